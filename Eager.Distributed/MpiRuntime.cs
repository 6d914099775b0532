using Eager.Distributed.Native;

namespace Eager.Distributed;

/// <summary>
/// The one MPI session of this process: MPI_Init_thread on first use, MPI_Finalize at exit, MPI_Abort when an
/// exception goes unhandled (so the other ranks do not wait forever in a collective). Every MPI call goes through
/// <see cref="Call"/> under one lock: the process asks for MPI_THREAD_SERIALIZED, which Open MPI gives without
/// the cost of its fully thread-safe mode, and Eager's collectives are issued by one thread at a time anyway.
/// </summary>
internal static unsafe class MpiRuntime
{
    private static readonly object Gate = new();
    private static OpenMpi? mpi;
    private static bool finalized;

    /// <summary>The launcher variables mpirun (Open MPI's, or a PMIx/PMI launcher such as srun) sets in every rank.</summary>
    private static readonly string[] LauncherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"];

    /// <summary>True when a launcher started this process as one rank of a job.</summary>
    public static bool StartedByLauncher => LauncherVariables.Any(v => Environment.GetEnvironmentVariable(v) is not null);

    /// <summary>Initialises MPI and returns (rank, size), or (0, 1) without touching libmpi when not under a launcher.</summary>
    public static (int Rank, int Size) Start()
    {
        if (!StartedByLauncher) return (0, 1);
        lock (Gate)
        {
            var m = mpi ??= OpenMpi.Load();
            int flag = 0;
            Check(m.Initialized(&flag), "MPI_Initialized");
            if (flag == 0)
            {
                int provided = 0;
                Check(m.InitThread(null, null, OpenMpi.ThreadSerialized, &provided), "MPI_Init_thread");
                if (provided < OpenMpi.ThreadSerialized)
                {
                    m.Abort(m.CommWorld, 1);
                    throw new InvalidOperationException($"Eager.Distributed: Open MPI granted thread level {provided}; Eager needs MPI_THREAD_SERIALIZED (2) because collectives run on worker threads. Rebuild Open MPI with thread support.");
                }
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
                AppDomain.CurrentDomain.UnhandledException += (_, e) => AbortOn(e.ExceptionObject);
            }
            int rank = 0, size = 0;
            Check(m.CommRank(m.CommWorld, &rank), "MPI_Comm_rank");
            Check(m.CommSize(m.CommWorld, &size), "MPI_Comm_size");
            return (rank, size);
        }
    }

    /// <summary>The lock every MPI call is made under (hold it across the call and its pinning).</summary>
    public static object Lock => Gate;

    /// <summary>True between MPI_Init and MPI_Finalize (read under <see cref="Lock"/>).</summary>
    public static bool IsLive => mpi is not null && !finalized;

    /// <summary>The loaded library, for a call made under <see cref="Lock"/>; throws once MPI is finalised.</summary>
    public static OpenMpi Live(string what)
    {
        if (finalized) throw new InvalidOperationException($"Eager.Distributed: {what} after MPI was finalised (the process is exiting).");
        return mpi ?? throw new InvalidOperationException($"Eager.Distributed: {what} before MPI was initialised.");
    }

    public static void Check(int code, string what)
    {
        if (code != OpenMpi.Success)
            throw new InvalidOperationException($"Eager.Distributed: {what} failed: {mpi?.Describe(code) ?? $"error {code}"}.");
    }

    private static void Stop()
    {
        lock (Gate)
        {
            if (finalized || mpi is null) return;
            finalized = true;
            int done = 0;
            mpi.Finalized(&done);
            if (done == 0) mpi.Finalize();
        }
    }

    /// <summary>Reports the exception with this rank's number and ends the whole job: peers blocked in a collective
    /// with this rank would otherwise wait for it forever.</summary>
    private static void AbortOn(object error)
    {
        var m = mpi;
        if (m is null || finalized) return;
        int rank = 0;
        m.CommRank(m.CommWorld, &rank);
        Console.Out.Flush();
        Console.Error.WriteLine($"Eager.Distributed: rank {rank} failed, aborting the job: {error}");
        Console.Error.Flush();
        // No lock: the failing thread may be the one holding it, and MPI_Abort does not return.
        m.Abort(m.CommWorld, 1);
    }

    /// <summary>Ends every rank of the job with <paramref name="code"/> (MPI_Abort).</summary>
    public static void Abort(int code)
    {
        if (mpi is null) Environment.Exit(code);
        mpi.Abort(mpi.CommWorld, code);
    }
}
