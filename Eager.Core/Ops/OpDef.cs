namespace Eager;

/// <summary>The dtype and (possibly partial) shape of a tensor, without data.</summary>
public sealed record TensorSpec(Shape Shape, DType DType, string? Name = null)
{
    /// <summary>The spec of an existing tensor.</summary>
    public static TensorSpec Of(Tensor t) => new(t.Shape, t.DType);

    /// <summary>True when <paramref name="t"/> fits this spec (unknown dims match anything).</summary>
    public bool IsCompatibleWith(Tensor t) => t.DType == DType && Shape.IsCompatibleWith(t.Shape);

    /// <inheritdoc/>
    public override string ToString() => $"TensorSpec(shape={Shape}, dtype={DType.Name()}{(Name is null ? "" : ", name=" + Name)})";
}

/// <summary>Validates inputs and attributes and returns the output specs. Throws ArgumentException naming the op.</summary>
public delegate TensorSpec[] InferFn(Tensor[] inputs, Attrs attrs);

/// <summary>Computes the outputs from concrete inputs. May return views of the inputs.</summary>
public delegate Tensor[] ComputeFn(Tensor[] inputs, Attrs attrs);

/// <summary>Gradient rule: given the forward call and the gradients of its outputs, the gradients of its inputs
/// (null for an input with no gradient). Written with public <see cref="Ops"/> only, so it can be recorded,
/// traced and differentiated again.</summary>
public delegate Tensor?[] GradientFn(GradContext ctx);

/// <summary>Maps one node to ONNX nodes through an emitter (implemented by Eager.Onnx).</summary>
public delegate void OnnxExportFn(IOnnxEmitter emitter);

/// <summary>
/// Everything about one op, in one place: name, shape/dtype inference with validation, the kernel call,
/// the gradient rule and the ONNX mapping. Creating an OpDef registers it; op names are unique.
/// </summary>
public sealed class OpDef
{
    /// <summary>Defines and registers an op.</summary>
    public OpDef(string name, InferFn infer, ComputeFn compute)
    {
        Name = name;
        // Every caller of Infer (eager dispatch, graph building, passes) then rejects an output no tensor can hold
        // before anything is sized by it.
        Infer = (x, a) => OutputLimits.CheckFits(name, x, infer(x, a));
        Kernel = compute;
        Compute = (x, a) => Widening.Compute(this, x, a);
        OpRegistry.Register(this);
    }

    /// <summary>Unique op name ("Add", "Conv2D").</summary>
    public string Name { get; }

    /// <summary>Shape and dtype inference; the place where bad input is rejected.</summary>
    public InferFn Infer { get; }

    /// <summary>The kernel call, for inputs of every dtype: float16, bfloat16, int8 and uint8 operands are widened to
    /// their compute dtype (<c>DType.ComputeType</c>) around <see cref="Kernel"/> unless <see cref="HandlesAllDTypes"/>.</summary>
    public ComputeFn Compute { get; }

    /// <summary>The kernel call as defined, which sees the narrow dtypes only when <see cref="HandlesAllDTypes"/>.</summary>
    public ComputeFn Kernel { get; }

    /// <summary>The kernel takes tensors of every dtype as they are (Cast, and ops that only move elements). Otherwise
    /// float16/bfloat16 operands reach it as float32 and int8/uint8 as int32 (dtype attributes likewise), and its
    /// results are rounded back to the dtypes that inference gave.</summary>
    public bool HandlesAllDTypes { get; init; }

    /// <summary>The kernel takes int8 and uint8 tensors as they are (ops that only compare or move elements, such as max
    /// pooling on quantised activations); float16/bfloat16 are still widened unless <see cref="HandlesAllDTypes"/>.</summary>
    public bool Handles8Bit { get; init; }

    /// <summary>Gradient rule; null when the op has no gradient (integer ops, comparisons, state).</summary>
    public GradientFn? Gradient { get; init; }

    /// <summary>ONNX mapping; null when the op cannot be exported.</summary>
    public OnnxExportFn? Onnx { get; set; }

    /// <summary>Why the op has no ONNX mapping (state that lives between runs, queues, control flow, a graph input), set
    /// exactly when <see cref="Onnx"/> is null; the exporter's error quotes it. A test holds every op to one of the two.</summary>
    public string? NoOnnx { get; set; }

    /// <summary>Sets <see cref="NoOnnx"/> (for definitions built by helper methods) and returns this definition.</summary>
    public OpDef WithoutOnnx(string why)
    {
        NoOnnx = why;
        return this;
    }

    /// <summary>Sets the ONNX mapping (for definitions built by helper methods) and returns this definition.</summary>
    public OpDef WithOnnx(OnnxExportFn onnx)
    {
        Onnx = onnx;
        return this;
    }

    /// <summary>True for ops with side effects or non-determinism (assign, random, queue): never folded,
    /// deduplicated or pruned while reachable, and kept in program order inside traced functions.</summary>
    public bool IsStateful { get; init; }

    /// <summary>Whether the op may hold on to its input tensors after its call (an Assign stores its value, an Enqueue
    /// its components), so a Session never recycles their buffers early. Defaults to <see cref="IsStateful"/>; a
    /// stateful op that only reads its inputs (AssignAdd computes a new value from its delta) sets it false.</summary>
    public bool KeepsInputs
    {
        get => keepsInputs ?? IsStateful;
        init => keepsInputs = value;
    }

    private readonly bool? keepsInputs;

    /// <summary>The kernel may write an output into the buffer of an input that dies at this call (Session runs offer such
    /// inputs through their memory plan; element-wise kernels read each element before writing it).</summary>
    public bool ReusesInputBuffers { get; init; }

    /// <summary>For an element-wise op: how it computes a block of lanes, what the fusion pass, the fused executor,
    /// contraction epilogues and layers' fused activations read. Null for every other op.</summary>
    public LaneDef? Lanes { get; init; }

    /// <summary>True for an element-wise op: each output element depends only on the operands' elements at the same
    /// (broadcast) position, so the op computes the same values in any layout. Ops with <see cref="Lanes"/> are; an
    /// element-wise op without lanes (Cast, Identity) says so here.</summary>
    public bool IsElementwise { get => isElementwise || Lanes is not null; init => isElementwise = value; }

    private readonly bool isElementwise;

    /// <summary>For an op that is not element-wise but runs on operands held in another layout once its axis attributes
    /// are permuted (Concat, Slice, Pad, kept-dimension reductions, Softmax): given a node and a permutation (axis i of
    /// the operands is axis perm[i] of the held tensors), the node's attributes for the held tensors, or null when this
    /// node cannot move. The layout pass reads it; null for ops tied to a layout.</summary>
    public Func<Node, int[], Attrs?>? Relayout { get; init; }

    /// <summary>For a matrix product or convolution: the op that computes it followed by a bias and an activation in one
    /// step (read lazily, since op definitions refer to each other). The contraction fusion pass reads it.</summary>
    public Func<OpDef>? FusedForm { get; init; }

    /// <summary>Algebraic identities of this op (x * 1 -> x), tried by the arithmetic simplifier on every node of the op.</summary>
    public IReadOnlyList<RewriteRule> Rewrites { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What a gradient rule sees of the forward call.</summary>
public sealed class GradContext
{
    internal GradContext(OpDef op, Tensor[] inputs, Attrs attrs, Tensor[] outputs, Tensor?[] outputGrads, ulong needed = ulong.MaxValue)
    {
        Op = op; Inputs = inputs; Attrs = attrs; Outputs = outputs; OutputGrads = outputGrads; Needed = needed;
    }

    /// <summary>One bit per input (inputs from the 64th on share the last): set when that input's gradient can reach a source.</summary>
    internal ulong Needed { get; }

    /// <summary>Whether input <paramref name="i"/>'s gradient is wanted: false when no source is upstream of it (a
    /// convolution's filter when only the image is trained). A rule may return null for such an input and skip the
    /// work, as PyTorch's <c>needs_input_grad</c>; returning it anyway is never wrong, only slower.</summary>
    public bool Needs(int i) => (Needed & (1UL << Math.Min(i, 63))) != 0;

    /// <summary>The op.</summary>
    public OpDef Op { get; }

    /// <summary>Forward inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>Forward attributes.</summary>
    public Attrs Attrs { get; }

    /// <summary>Forward outputs.</summary>
    public Tensor[] Outputs { get; }

    /// <summary>Gradients flowing into each output (null where an output is unused).</summary>
    public Tensor?[] OutputGrads { get; }

    /// <summary>The gradient of output 0, zeros if it has none.</summary>
    public Tensor Grad => GradOf(0);

    /// <summary>The gradient of output i, zeros shaped like the output if it has none.</summary>
    public Tensor GradOf(int i) => OutputGrads[i] ?? Ops.ZerosLike(Outputs[i]);

    /// <summary>Input i (shorthand).</summary>
    public Tensor X(int i = 0) => Inputs[i];

    /// <summary>Output 0 (shorthand).</summary>
    public Tensor Y => Outputs[0];
}

/// <summary>Builds ONNX nodes for one Eager node; implemented by Eager.Onnx so Core never sees protobuf.</summary>
public interface IOnnxEmitter
{
    /// <summary>The node being exported.</summary>
    Node Node { get; }

    /// <summary>The target opset.</summary>
    int Opset { get; }

    /// <summary>ONNX name of the node's input i.</summary>
    string Input(int i);

    /// <summary>ONNX name of the node's output i.</summary>
    string Output(int i);

    /// <summary>Adds an initializer holding <paramref name="value"/> and returns its name.</summary>
    string Constant(Tensor value, string hint);

    /// <summary>Makes output <paramref name="output"/> an initializer holding <paramref name="value"/>, with no node
    /// (constants, and variables' current values).</summary>
    void Initializer(int output, Tensor value, string hint);

    /// <summary>A fresh unique value name.</summary>
    string Temp(string hint);

    /// <summary>Adds an ONNX node. Attribute values: long, float, string, long[], float[], Tensor, <see cref="OnnxSubgraph"/>.</summary>
    void Add(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes);

    /// <summary>Writes the nodes of <paramref name="sub"/> into the graph being built, its inputs bound to the value
    /// names <paramref name="inputs"/> (one per <see cref="Subgraph.Inputs"/>), and returns the names of its outputs.
    /// Each call writes fresh nodes, so one subgraph may be written several times.</summary>
    string[] Inline(Subgraph sub, IReadOnlyList<string> inputs);

    /// <summary>
    /// Builds a graph-valued attribute (If's branches, Loop's body) for <see cref="Add"/>: a nested ONNX graph with
    /// formal inputs of <paramref name="inputs"/> and outputs of <paramref name="outputs"/>. <paramref name="build"/>
    /// gets an emitter that writes into the nested graph and the names of its formal inputs, and returns the names of
    /// the values it outputs. The nested graph may read any name of the graphs around it (ONNX's outer scope), such
    /// as this node's <see cref="Input"/> names.
    /// </summary>
    OnnxSubgraph Graph(string hint, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, Func<IOnnxEmitter, string[], string[]> build);
}

/// <summary>A nested ONNX graph that <see cref="IOnnxEmitter.Graph"/> built, passed as an attribute value; Core holds it
/// without knowing protobuf.</summary>
/// <param name="Proto">The ONNX GraphProto.</param>
public sealed record OnnxSubgraph(object Proto);

/// <summary>All ops by name. Filled by the <see cref="OpDef"/> constructors in the op family files.</summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, OpDef> ByName = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    internal static void Register(OpDef op)
    {
        lock (Gate)
        {
            if (!ByName.TryAdd(op.Name, op))
                throw new InvalidOperationException($"Op '{op.Name}' is defined twice; each op is defined in exactly one place.");
        }
    }

    /// <summary>Every registered op.</summary>
    public static IReadOnlyCollection<OpDef> All
    {
        get { EnsureLoaded(); lock (Gate) return ByName.Values.ToArray(); }
    }

    /// <summary>The op with this name, or an exception naming it.</summary>
    public static OpDef Get(string name)
    {
        EnsureLoaded();
        lock (Gate)
            return ByName.TryGetValue(name, out var op) ? op : throw new KeyNotFoundException($"No op named '{name}' is registered.");
    }

    /// <summary>Looks an op up without throwing.</summary>
    public static bool TryGet(string name, out OpDef? op)
    {
        EnsureLoaded();
        lock (Gate) return ByName.TryGetValue(name, out op);
    }

    private static void EnsureLoaded() => OpFamilies.Load();
}
