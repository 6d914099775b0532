namespace Eager;

/// <summary>
/// The op families. Each family class holds its ops' definitions, and an OpDef registers itself when its family's
/// type initialiser runs, so the registry touches one field per family before it answers. A new family is one more
/// line here; a test checks that every OpDef field in the assembly is registered.
/// </summary>
internal static class OpFamilies
{
    // A plain field read, unlike RunClassConstructor over a type handle, is what trimming and Native AOT see statically.
    internal static void Load()
    {
        GC.KeepAlive(ActivationOps.TanhDef);
        GC.KeepAlive(ArrayOps.ShapeOfDef);
        GC.KeepAlive(CompareOps.EqualDef);
        GC.KeepAlive(ControlFlowOps.WhileDef);
        GC.KeepAlive(ConvolutionOps.Conv2DDef);
        GC.KeepAlive(CustomGradientOps.CustomGradientDef);
        GC.KeepAlive(FusedKernelOps.FusedElementwiseDef);
        GC.KeepAlive(GraphOps.PlaceholderDef);
        GC.KeepAlive(LinalgOps.MatMulDef);
        GC.KeepAlive(LossOps.SoftmaxCrossEntropyWithLogitsDef);
        GC.KeepAlive(MathOps.AddDef);
        GC.KeepAlive(NNOps.BiasAddDef);
        GC.KeepAlive(OptimizerOps.AdamStepDef);
        GC.KeepAlive(PoolingOps.MaxPoolWithArgmaxDef);
        GC.KeepAlive(QuantizationOps.QuantizeLinearDef);
        GC.KeepAlive(QueueOps.QueueEnqueueDef);
        GC.KeepAlive(RandomOps.RandomNormalDef);
        GC.KeepAlive(RecurrentOps.LstmDef);
        GC.KeepAlive(ReductionOps.ReduceMaxDef);
        GC.KeepAlive(ResizeOps.ResizeDef);
        GC.KeepAlive(StateOps.ConstDef);
    }
}
