namespace Eager.Benchmarks;

/// <summary>A workload run by Eager and by ONNX Runtime: the smoke mode checks that both agree.</summary>
public interface IPaired
{
    /// <summary>Sets up both engines for the current parameters, runs each once, and returns the largest
    /// relative difference between their outputs.</summary>
    double Compare();
}

/// <summary>How much work one operation of a benchmark does, for the GFLOP/s and GB/s columns.</summary>
public interface IWork
{
    /// <summary>Work per operation of <paramref name="method"/>: floating-point operations (unit "GFLOP/s")
    /// or bytes moved (unit "GB/s"); (0, "") when no rate applies.</summary>
    (double Amount, string Unit) Work(string method);
}
