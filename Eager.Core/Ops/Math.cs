using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>Element-wise arithmetic with NumPy broadcasting.</summary>
public static partial class Ops
{
    private static TensorSpec[] BinaryInfer(string op, Tensor[] x)
    {
        Broadcasting.SameDType(op, x[0], x[1]);
        if (x[0].DType == DType.Bool) throw new ArgumentException($"{op}: bool tensors have no arithmetic; got {x[0].Shape} and {x[1].Shape} of dtype bool. Use Ops.Cast.");
        return [new TensorSpec(Broadcasting.Shape(op, x[0].Shape, x[1].Shape), x[0].DType)];
    }

    internal static readonly OpDef AddDef = new("Add",
        (x, _) => BinaryInfer("Add", x),
        (x, _) => [Broadcasting.Run<AddOp<float>, AddOp<double>, AddOp<int>, AddOp<long>>(x[0], x[1], Broadcasting.Shape("Add", x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [Broadcasting.UnBroadcast(c.Grad, c.X(0)), Broadcasting.UnBroadcast(c.Grad, c.X(1))],
    };

    internal static readonly OpDef SubtractDef = new("Subtract",
        (x, _) => BinaryInfer("Subtract", x),
        (x, _) => [Broadcasting.Run<SubtractOp<float>, SubtractOp<double>, SubtractOp<int>, SubtractOp<long>>(x[0], x[1], Broadcasting.Shape("Subtract", x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [Broadcasting.UnBroadcast(c.Grad, c.X(0)), Broadcasting.UnBroadcast(Negate(c.Grad), c.X(1))],
    };

    internal static readonly OpDef MultiplyDef = new("Multiply",
        (x, _) => BinaryInfer("Multiply", x),
        (x, _) => [Broadcasting.Run<MultiplyOp<float>, MultiplyOp<double>, MultiplyOp<int>, MultiplyOp<long>>(x[0], x[1], Broadcasting.Shape("Multiply", x[0].Shape, x[1].Shape))])
    {
        Gradient = c => [Broadcasting.UnBroadcast(Multiply(c.Grad, c.X(1)), c.X(0)), Broadcasting.UnBroadcast(Multiply(c.Grad, c.X(0)), c.X(1))],
    };

    internal static readonly OpDef DivideDef = new("Divide",
        (x, _) => BinaryInfer("Divide", x),
        (x, _) => [Broadcasting.Run<DivideOp<float>, DivideOp<double>, DivideOp<int>, DivideOp<long>>(x[0], x[1], Broadcasting.Shape("Divide", x[0].Shape, x[1].Shape))])
    {
        Gradient = c =>
        [
            Broadcasting.UnBroadcast(Divide(c.Grad, c.X(1)), c.X(0)),
            Broadcasting.UnBroadcast(Negate(Multiply(c.Grad, Divide(c.Y, c.X(1)))), c.X(1)),
        ],
    };

    internal static readonly OpDef NegateDef = new("Negate",
        (x, _) =>
        {
            if (x[0].DType == DType.Bool) throw new ArgumentException($"Negate: bool tensor {x[0].Shape} cannot be negated; use LogicalNot.");
            return [TensorSpec.Of(x[0])];
        },
        (x, _) => [Broadcasting.Run<SubtractOp<float>, SubtractOp<double>, SubtractOp<int>, SubtractOp<long>>(Tensor.Zeros(Shape.Scalar, x[0].DType), x[0], x[0].Shape)])
    {
        Gradient = c => [Negate(c.Grad)],
    };

    internal static readonly OpDef ZerosLikeDef = new("ZerosLike",
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [Tensor.Zeros(x[0].Shape, x[0].DType)]);

    internal static readonly OpDef OnesLikeDef = new("OnesLike",
        (x, _) => [TensorSpec.Of(x[0])],
        (x, _) => [Tensor.Ones(x[0].Shape, x[0].DType)]);

    /// <summary>a + b with broadcasting; same dtype required.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Dispatcher.Apply1(AddDef, Attrs.Empty, a, b);

    /// <summary>a - b with broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Dispatcher.Apply1(SubtractDef, Attrs.Empty, a, b);

    /// <summary>a * b with broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Dispatcher.Apply1(MultiplyDef, Attrs.Empty, a, b);

    /// <summary>a / b with broadcasting (integer division truncates).</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Dispatcher.Apply1(DivideDef, Attrs.Empty, a, b);

    /// <summary>-x.</summary>
    public static Tensor Negate(Tensor x) => Dispatcher.Apply1(NegateDef, Attrs.Empty, x);

    /// <summary>Zeros with x's shape and dtype (x's runtime shape in a graph).</summary>
    public static Tensor ZerosLike(Tensor x) => Dispatcher.Apply1(ZerosLikeDef, Attrs.Empty, x);

    /// <summary>Ones with x's shape and dtype.</summary>
    public static Tensor OnesLike(Tensor x) => Dispatcher.Apply1(OnesLikeDef, Attrs.Empty, x);

    /// <summary>A scalar of x's dtype (a C# number used as an operand takes the tensor's dtype).</summary>
    internal static Tensor ScalarLike(Tensor x, double value) => Tensor.Scalar(value, x.DType);
}
