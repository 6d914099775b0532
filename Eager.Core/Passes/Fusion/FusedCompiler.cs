#pragma warning disable IL2055, IL2060, IL2067, IL2070, IL2071, IL3050 // removed with the Expression-tree compiler
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Intrinsics;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>Computes one row of a fused loop: <paramref name="count"/> output elements from
/// <paramref name="outputOffset"/> on, reading input k from <c>offsets[k]</c> on (stride 1, or stride 0 for an input
/// broadcast along the row, as compiled).</summary>
internal delegate void FusedRow<T>(T[][] inputs, int[] offsets, T[][] outputs, int outputOffset, int count);

/// <summary>
/// Compiles a <see cref="FusedProgram"/> at run time, with System.Linq.Expressions, into a row loop over
/// <see cref="Vector256{T}"/> lanes followed by a scalar tail: each input is loaded once per vector, every
/// instruction stays in registers, each output is stored once. One delegate per program, element type and
/// pattern of broadcast inputs, cached for the life of the process (programs are few: one per fused node).
/// </summary>
internal static class FusedCompiler
{
    private static readonly ConcurrentDictionary<string, Delegate> Cache = new(StringComparer.Ordinal);

    /// <summary>Number of distinct kernels compiled so far (diagnostics and tests).</summary>
    public static int Compiled => Cache.Count;

    /// <summary>The row kernel for <paramref name="program"/> writing <paramref name="outputs"/>; input k is read with
    /// stride 0 along the row where <paramref name="broadcast"/>[k] is set, else with stride 1.</summary>
    public static FusedRow<T> Get<T>(FusedProgram program, int[] outputs, bool[] broadcast) where T : unmanaged
    {
        var key = string.Concat(typeof(T).Name, "|", string.Concat(broadcast.Select(b => b ? 's' : 'v')), "|", string.Join(",", outputs), "|", program.Text);
        return (FusedRow<T>)Cache.GetOrAdd(key, _ => Compile<T>(program, outputs, broadcast));
    }

    private static FusedRow<T> Compile<T>(FusedProgram program, int[] outputs, bool[] broadcast) where T : unmanaged
    {
        var vt = typeof(Vector256<T>);
        var inputs = Expression.Parameter(typeof(T[][]), "inputs");
        var offsets = Expression.Parameter(typeof(int[]), "offsets");
        var outs = Expression.Parameter(typeof(T[][]), "outputs");
        var o = Expression.Parameter(typeof(int), "outputOffset");
        var n = Expression.Parameter(typeof(int), "count");
        var i = Expression.Variable(typeof(int), "i");
        var locals = new List<ParameterExpression> { i };
        var prologue = new List<Expression>();

        int nIn = program.InputCount;
        var arr = new ParameterExpression[nIn];
        var off = new ParameterExpression[nIn];
        var splatS = new ParameterExpression?[nIn];
        var splatV = new ParameterExpression?[nIn];
        for (int k = 0; k < nIn; k++)
        {
            arr[k] = Expression.Variable(typeof(T[]), $"in{k}");
            off[k] = Expression.Variable(typeof(int), $"off{k}");
            locals.Add(arr[k]); locals.Add(off[k]);
            prologue.Add(Expression.Assign(arr[k], Expression.ArrayIndex(inputs, Expression.Constant(k))));
            prologue.Add(Expression.Assign(off[k], Expression.ArrayIndex(offsets, Expression.Constant(k))));
            if (!broadcast[k]) continue;
            // An input broadcast along the row is one value for the whole row: read it once.
            splatS[k] = Expression.Variable(typeof(T), $"s{k}");
            splatV[k] = Expression.Variable(vt, $"v{k}");
            locals.Add(splatS[k]!); locals.Add(splatV[k]!);
            prologue.Add(Expression.Assign(splatS[k]!, Expression.ArrayIndex(arr[k], off[k])));
            prologue.Add(Expression.Assign(splatV[k]!, FusedEmitter.Splat<T>(splatS[k]!)));
        }
        var outArr = new ParameterExpression[outputs.Length];
        for (int j = 0; j < outputs.Length; j++)
        {
            outArr[j] = Expression.Variable(typeof(T[]), $"out{j}");
            locals.Add(outArr[j]);
            prologue.Add(Expression.Assign(outArr[j], Expression.ArrayIndex(outs, Expression.Constant(j))));
        }

        var vectorEmitter = new FusedEmitter(typeof(T), vector: true);
        var scalarEmitter = new FusedEmitter(typeof(T), vector: false);
        var vectorBody = Body(program, outputs, vectorEmitter, k => splatV[k] ?? (Expression)FusedEmitter.Load<T>(arr[k], Expression.Add(off[k], i)),
            (j, value) => FusedEmitter.Store<T>(value, outArr[j], Expression.Add(o, i)), locals);
        var scalarBody = Body(program, outputs, scalarEmitter, k => splatS[k] ?? (Expression)Expression.ArrayIndex(arr[k], Expression.Add(off[k], i)),
            (j, value) => Expression.Assign(Expression.ArrayAccess(outArr[j], Expression.Add(o, i)), value), locals);
        prologue.AddRange(vectorEmitter.Hoisted.Select(h => (Expression)Expression.Assign(h.Variable, h.Value)));
        prologue.AddRange(scalarEmitter.Hoisted.Select(h => (Expression)Expression.Assign(h.Variable, h.Value)));
        locals.AddRange(vectorEmitter.Hoisted.Select(h => h.Variable));
        locals.AddRange(scalarEmitter.Hoisted.Select(h => h.Variable));

        int width = Vector256<T>.Count;
        var limit = Expression.Variable(typeof(int), "limit");
        locals.Add(limit);
        var vectorEnd = Expression.Label("vectorEnd");
        var scalarEnd = Expression.Label("scalarEnd");
        var body = new List<Expression>(prologue)
        {
            Expression.Assign(i, Expression.Constant(0)),
            Expression.Assign(limit, Expression.Subtract(n, Expression.Constant(width))),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.GreaterThan(i, limit), Expression.Break(vectorEnd)),
                vectorBody,
                Expression.AddAssign(i, Expression.Constant(width))), vectorEnd),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.GreaterThanOrEqual(i, n), Expression.Break(scalarEnd)),
                scalarBody,
                Expression.PreIncrementAssign(i)), scalarEnd),
        };
        var lambda = Expression.Lambda<FusedRow<T>>(Expression.Block(locals, body), "FusedRow", [inputs, offsets, outs, o, n]);
        return lambda.Compile();
    }

    /// <summary>Every instruction into a temporary, then the outputs stored.</summary>
    private static Expression Body(FusedProgram program, int[] outputs, FusedEmitter e, Func<int, Expression> input,
        Func<int, Expression, Expression> store, List<ParameterExpression> locals)
    {
        var temps = new ParameterExpression[program.Code.Length];
        var steps = new List<Expression>();
        for (int t = 0; t < temps.Length; t++)
        {
            var ins = program.Code[t];
            var args = ins.Args.Select(a => a.Kind switch
            {
                FusedProgram.ArgKind.Input => input(a.Index),
                FusedProgram.ArgKind.Temp => temps[a.Index],
                _ => e.Constant(a.Value),
            }).ToArray();
            var value = ins.Op.Vector is { } && e.IsVector ? ins.Op.Vector(e, args, ins.Attr) : ins.Op.Scalar(e, args, ins.Attr);
            temps[t] = Expression.Variable(value.Type, $"{(e.IsVector ? "v" : "s")}t{t}");
            locals.Add(temps[t]);
            steps.Add(Expression.Assign(temps[t], value));
        }
        for (int j = 0; j < outputs.Length; j++) steps.Add(store(j, temps[outputs[j]]));
        return Expression.Block(steps);
    }
}

/// <summary>Expression helpers for one element type, in vector or scalar form; collects values hoisted out of the loop.</summary>
internal sealed class FusedEmitter(Type elementType, bool vector)
{
    private static readonly MethodInfo[] VectorMethods = typeof(Vector256).GetMethods(BindingFlags.Public | BindingFlags.Static);
    private readonly Dictionary<string, ParameterExpression> hoistedByKey = new(StringComparer.Ordinal);

    public bool IsVector => vector;

    public Type T => elementType;

    private Type V => typeof(Vector256<>).MakeGenericType(elementType);

    /// <summary>Loop-invariant values computed once before the loop.</summary>
    public List<(ParameterExpression Variable, Expression Value)> Hoisted { get; } = [];

    /// <summary>A scalar constant of the element type (a vector of it in vector form).</summary>
    public Expression Constant(double value) => vector ? VectorConstant(value) : Expression.Constant(Convert.ChangeType(value, elementType, System.Globalization.CultureInfo.InvariantCulture), elementType);

    /// <summary>A vector with every lane <paramref name="value"/>, built once before the loop.</summary>
    public Expression VectorConstant(double value)
    {
        var scalar = Expression.Constant(Convert.ChangeType(value, elementType, System.Globalization.CultureInfo.InvariantCulture), elementType);
        return Hoist("c" + BitConverter.DoubleToInt64Bits(value), V, SplatOf(elementType, scalar));
    }

    /// <summary>A call of the Vector256 method <paramref name="name"/> on vectors of the element type.</summary>
    public Expression VectorCall(string name, params Expression[] args) => Expression.Call(VectorMethod(name, args.Length, elementType), args);

    /// <summary>A call of Math.<paramref name="name"/> (or MathF's for float32 where Math has none).</summary>
    public Expression MathCall(string name, params Expression[] args)
    {
        var types = args.Select(a => a.Type).ToArray();
        // Exact parameter types only: the default binder would widen float to double.
        static MethodInfo? Exact(Type type, string name, Type[] types) =>
            type.GetMethods().FirstOrDefault(m => m.Name == name && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(types));
        var m = Exact(typeof(Math), name, types) ?? Exact(typeof(MathF), name, types)
            ?? throw new InvalidOperationException($"FusedEmitter: no Math.{name} for {elementType.Name}.");
        return Expression.Call(m, args);
    }

    /// <summary>The kernel operator <paramref name="definition"/>&lt;T&gt; applied to all lanes through its span path.</summary>
    public Expression LanesCall(Type definition, Expression x, double attr)
    {
        var opType = definition.MakeGenericType(elementType);
        var vectorForm = typeof(IVectorUnaryOp<>).MakeGenericType(elementType);
        if (vectorForm.IsAssignableFrom(opType) && (bool)vectorForm.GetProperty("HasVector")!.GetValue(Activator.CreateInstance(opType))!)
            return Expression.Call(Operator(opType, attr), opType.GetMethod("Apply", [x.Type])!, x);
        var m = typeof(FusedLanes).GetMethod(nameof(FusedLanes.Unary))!.MakeGenericMethod(elementType, opType);
        return Expression.Call(m, x, Operator(opType, attr));
    }

    /// <summary>The kernel operator's scalar path on one element.</summary>
    public Expression OperatorCall(Type definition, Expression x, double attr)
    {
        var opType = definition.MakeGenericType(elementType);
        var op = Operator(opType, attr);
        return Expression.Call(op, opType.GetMethod("Apply", [elementType])!, x);
    }

    /// <summary>The operator struct: its default, or (for an operator with a bool or element-type parameter) one built
    /// before the loop from the attribute.</summary>
    private Expression Operator(Type opType, double attr)
    {
        var ctor = opType.GetConstructors().FirstOrDefault(c => c.GetParameters().Length == 1);
        if (ctor is null) return Expression.Default(opType);
        var p = ctor.GetParameters()[0].ParameterType;
        object arg = p == typeof(bool) ? attr != 0 : Convert.ChangeType(attr, p, System.Globalization.CultureInfo.InvariantCulture);
        return Hoist($"{opType.Name}:{attr}", opType, Expression.New(ctor, Expression.Constant(arg, p)));
    }

    private ParameterExpression Hoist(string key, Type type, Expression value)
    {
        if (hoistedByKey.TryGetValue(key, out var v)) return v;
        v = Expression.Variable(type, (vector ? "hv" : "hs") + Hoisted.Count);
        hoistedByKey[key] = v;
        Hoisted.Add((v, value));
        return v;
    }

    /// <summary>Vector256.Create(value) for a scalar of type T.</summary>
    public static Expression Splat<T>(Expression scalar) => SplatOf(typeof(T), scalar);

    private static Expression SplatOf(Type t, Expression scalar)
    {
        var m = VectorMethods.First(m => m.Name == "Create" && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType.IsGenericParameter: true }]);
        return Expression.Call(m.MakeGenericMethod(t), scalar);
    }

    /// <summary>Vector256.Create(array, index): one vector from an array (bounds-checked).</summary>
    public static Expression Load<T>(Expression array, Expression index)
    {
        var m = VectorMethods.First(m => m.Name == "Create" && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType.IsArray: true }, { ParameterType: var p }] && p == typeof(int));
        return Expression.Call(m.MakeGenericMethod(typeof(T)), array, index);
    }

    /// <summary>vector.CopyTo(array, index).</summary>
    public static Expression Store<T>(Expression value, Expression array, Expression index)
    {
        var m = VectorMethods.First(m => m.Name == "CopyTo" && m.IsGenericMethodDefinition && m.GetParameters() is [_, { ParameterType.IsArray: true }, { ParameterType: var p }] && p == typeof(int));
        return Expression.Call(m.MakeGenericMethod(typeof(T)), value, array, index);
    }

    private static MethodInfo VectorMethod(string name, int arity, Type t)
    {
        var v = typeof(Vector256<>).MakeGenericType(t);
        // A non-generic overload for exactly this vector type (Floor, Sqrt on float/double) is preferred.
        var exact = VectorMethods.FirstOrDefault(m => m.Name == name && !m.IsGenericMethodDefinition && m.GetParameters().Length == arity && m.GetParameters().All(p => p.ParameterType == v));
        if (exact is not null) return exact;
        var generic = VectorMethods.FirstOrDefault(m => m.Name == name && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && m.GetParameters().Length == arity
            && m.GetParameters().All(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(Vector256<>)))
            ?? throw new InvalidOperationException($"FusedEmitter: Vector256 has no {name} with {arity} vector arguments.");
        return generic.MakeGenericMethod(t);
    }
}
