namespace Eager;

public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);

    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);

    /// <summary>Element-wise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Negate(a);

    /// <summary>Adds a number (converted to the tensor's dtype).</summary>
    public static Tensor operator +(Tensor a, double b) => Ops.Add(a, MathOps.ScalarLike(a, b));

    /// <summary>Adds to a number.</summary>
    public static Tensor operator +(double a, Tensor b) => Ops.Add(MathOps.ScalarLike(b, a), b);

    /// <summary>Subtracts a number.</summary>
    public static Tensor operator -(Tensor a, double b) => Ops.Subtract(a, MathOps.ScalarLike(a, b));

    /// <summary>Subtracts from a number.</summary>
    public static Tensor operator -(double a, Tensor b) => Ops.Subtract(MathOps.ScalarLike(b, a), b);

    /// <summary>Multiplies by a number.</summary>
    public static Tensor operator *(Tensor a, double b) => Ops.Multiply(a, MathOps.ScalarLike(a, b));

    /// <summary>Multiplies a number.</summary>
    public static Tensor operator *(double a, Tensor b) => Ops.Multiply(MathOps.ScalarLike(b, a), b);

    /// <summary>Divides by a number.</summary>
    public static Tensor operator /(Tensor a, double b) => Ops.Divide(a, MathOps.ScalarLike(a, b));

    /// <summary>Divides a number.</summary>
    public static Tensor operator /(double a, Tensor b) => Ops.Divide(MathOps.ScalarLike(b, a), b);

    /// <summary>Element-wise a &lt; b as a bool tensor (<see cref="Ops.Less"/>).</summary>
    public static Tensor operator <(Tensor a, Tensor b) => Ops.Less(a, b);

    /// <summary>Element-wise comparison with a number (converted to the tensor's dtype).</summary>
    public static Tensor operator <(Tensor a, double b) => Ops.Less(a, MathOps.ScalarLike(a, b));

    /// <summary>Element-wise comparison of a number with a tensor.</summary>
    public static Tensor operator <(double a, Tensor b) => Ops.Less(MathOps.ScalarLike(b, a), b);

    /// <summary>Element-wise a &gt; b as a bool tensor (<see cref="Ops.Greater"/>).</summary>
    public static Tensor operator >(Tensor a, Tensor b) => Ops.Greater(a, b);

    /// <summary>Element-wise comparison with a number (converted to the tensor's dtype).</summary>
    public static Tensor operator >(Tensor a, double b) => Ops.Greater(a, MathOps.ScalarLike(a, b));

    /// <summary>Element-wise comparison of a number with a tensor.</summary>
    public static Tensor operator >(double a, Tensor b) => Ops.Greater(MathOps.ScalarLike(b, a), b);

    /// <summary>Element-wise a &lt;= b as a bool tensor (<see cref="Ops.LessEqual"/>).</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => Ops.LessEqual(a, b);

    /// <summary>Element-wise comparison with a number (converted to the tensor's dtype).</summary>
    public static Tensor operator <=(Tensor a, double b) => Ops.LessEqual(a, MathOps.ScalarLike(a, b));

    /// <summary>Element-wise comparison of a number with a tensor.</summary>
    public static Tensor operator <=(double a, Tensor b) => Ops.LessEqual(MathOps.ScalarLike(b, a), b);

    /// <summary>Element-wise a &gt;= b as a bool tensor (<see cref="Ops.GreaterEqual"/>).</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => Ops.GreaterEqual(a, b);

    /// <summary>Element-wise comparison with a number (converted to the tensor's dtype).</summary>
    public static Tensor operator >=(Tensor a, double b) => Ops.GreaterEqual(a, MathOps.ScalarLike(a, b));

    /// <summary>Element-wise comparison of a number with a tensor.</summary>
    public static Tensor operator >=(double a, Tensor b) => Ops.GreaterEqual(MathOps.ScalarLike(b, a), b);

    /// <summary>Reshapes (a view when possible); one dimension may be -1.</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>Reshapes to <paramref name="shape"/>.</summary>
    public Tensor Reshape(Shape shape) => Ops.Reshape(this, shape.ToArray());
}
