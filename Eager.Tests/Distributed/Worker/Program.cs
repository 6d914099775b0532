using Eager.Distributed;

// The programs the MPI tests run on two ranks. Each checks its results itself against a serial reference computed
// on every rank, prints "ok <mode>" on rank 0 and exits 0; a mismatch throws, which aborts the job with the rank's error.
var mode = args.Length > 0 ? args[0] : "";
var world = Communicator.World;
switch (mode)
{
    case "collectives": CollectiveChecks.Run(world); break;
    case "train": TrainingCheck.Run(world, traced: false); break;
    case "train-traced": TrainingCheck.Run(world, traced: true); break;
    case "train-session": SessionCheck.Run(world); break;
    case "throw":
        world.Barrier();
        if (world.Rank == 1) throw new InvalidOperationException("rank 1 fails on purpose");
        world.AllReduce(Eager.Tensor.Scalar(1f)); // rank 0 would wait here for ever without the abort
        break;
    case "bench": Bench.Run(world, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50); break;
    default:
        Console.Error.WriteLine("usage: MpiWorker collectives|train|train-traced|train-session|throw|bench [repeats]");
        return 2;
}
if (world.IsRoot) Console.WriteLine($"ok {mode} on {world.Size} ranks");
return 0;
