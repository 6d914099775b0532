using System.Runtime.InteropServices;

namespace Eager.Distributed.Native;

/// <summary>
/// The part of Open MPI's C ABI (libmpi.so.40, Open MPI 3 and 4) Eager calls, bound through function pointers from
/// one loaded library so it needs no marshalling stubs (AOT-safe). Open MPI's handles are not integers as in MPICH:
/// MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM are the addresses of exported global objects, looked up by symbol.
/// </summary>
internal sealed unsafe partial class OpenMpi
{
    public const string LibraryName = "libmpi.so.40";
    public const int Success = 0;
    public const int ThreadSerialized = 2;
    public const int ThreadMultiple = 3;

    // Open MPI's MPI_IN_PLACE is ((void*)1) and MPI_STATUS_IGNORE is a null status pointer.
    public static readonly nint InPlace = 1;

    public readonly nint Library;
    public readonly nint CommWorld, OpSum, OpMax;
    public readonly nint Float, Double, Int32, Int64, Byte;

    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int*, int> Initialized;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank;
    public readonly delegate* unmanaged<nint, int*, int> CommSize;
    public readonly delegate* unmanaged<nint, int> Barrier;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    public readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> Allreduce;
    public readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int> Iallreduce;
    public readonly delegate* unmanaged<nint, int, nint, int, nint, int> Bcast;
    public readonly delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> Allgather;
    public readonly delegate* unmanaged<nint, int, nint, nint, int*, int*, nint, nint, int> Allgatherv;
    public readonly delegate* unmanaged<nint, nint, int*, nint, nint, nint, int> ReduceScatter;
    public readonly delegate* unmanaged<nint*, nint, int> Wait;
    public readonly delegate* unmanaged<nint*, int*, nint, int> Test;
    public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString;

    private OpenMpi(nint lib)
    {
        Library = lib;
        CommWorld = Sym("ompi_mpi_comm_world");
        OpSum = Sym("ompi_mpi_op_sum");
        OpMax = Sym("ompi_mpi_op_max");
        Float = Sym("ompi_mpi_float");
        Double = Sym("ompi_mpi_double");
        Int32 = Sym("ompi_mpi_int32_t");
        Int64 = Sym("ompi_mpi_int64_t");
        Byte = Sym("ompi_mpi_byte");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Sym("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Sym("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Sym("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Sym("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Sym("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Sym("MPI_Comm_size");
        Barrier = (delegate* unmanaged<nint, int>)Sym("MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Sym("MPI_Abort");
        Allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Sym("MPI_Allreduce");
        Iallreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int>)Sym("MPI_Iallreduce");
        Bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Sym("MPI_Bcast");
        Allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)Sym("MPI_Allgather");
        Allgatherv = (delegate* unmanaged<nint, int, nint, nint, int*, int*, nint, nint, int>)Sym("MPI_Allgatherv");
        ReduceScatter = (delegate* unmanaged<nint, nint, int*, nint, nint, nint, int>)Sym("MPI_Reduce_scatter");
        Wait = (delegate* unmanaged<nint*, nint, int>)Sym("MPI_Wait");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Sym("MPI_Test");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Sym("MPI_Error_string");
    }

    private nint Sym(string name) => NativeLibrary.TryGetExport(Library, name, out var p) ? p
        : throw new DllNotFoundException($"Eager.Distributed: {LibraryName} has no symbol '{name}'; Eager needs Open MPI 3 or 4 (Debian: openmpi-bin libopenmpi-dev, installed by scripts/setup.sh).");

    /// <summary>Loads libmpi, or throws an error that says what to install.</summary>
    public static OpenMpi Load(string library = LibraryName)
    {
        // Open MPI's plugins (mca_*.so) resolve symbols of libmpi itself, so it goes in the global namespace (RTLD_GLOBAL),
        // as mpi4py does; NativeLibrary.Load would open it local to us.
        nint lib = DlOpen(library);
        if (lib == 0 && !NativeLibrary.TryLoad(library, out lib))
            throw new DllNotFoundException($"Eager.Distributed: this process was started by mpirun but {library} (Open MPI) cannot be loaded. " +
                "Install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev, or run scripts/setup.sh), or point LD_LIBRARY_PATH at its lib folder.");
        return new OpenMpi(lib);
    }

    private static nint DlOpen(string name)
    {
        const int RtldNow = 2, RtldGlobal = 0x100;
        try
        {
            fixed (byte* p = System.Text.Encoding.UTF8.GetBytes(name + "\0"))
                return dlopen(p, RtldNow | RtldGlobal);
        }
        catch (EntryPointNotFoundException) { return 0; }
        catch (DllNotFoundException) { return 0; }
    }

    [LibraryImport("libc.so.6", EntryPoint = "dlopen")]
    private static partial nint dlopen(byte* file, int mode);

    /// <summary>Open MPI's text for an error code.</summary>
    public string Describe(int code)
    {
        var buffer = stackalloc byte[256]; // MPI_MAX_ERROR_STRING
        int length = 0;
        return ErrorString(code, buffer, &length) == Success ? System.Text.Encoding.UTF8.GetString(buffer, length) : $"error {code}";
    }
}
