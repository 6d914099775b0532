/* The C baseline for Eager's all-reduce: MPI_Allreduce of 1M and 16M floats (sum), timed as Eager.Tests'
 * MpiWorker "bench" mode times Communicator.AllReduce: a barrier, then one call, median over the repeats.
 * Built with mpicc by benchmarks/mpi/bench.sh. Usage: mpirun -np 2 ./allreduce [repeats] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int provided, rank, size;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int repeats = argc > 1 ? atoi(argv[1]) : 50;
  const int sizes[] = {1 << 20, 16 << 20};
  for (int s = 0; s < 2; s++) {
    int n = sizes[s];
    int reps = n > (1 << 20) ? (repeats / 5 > 5 ? repeats / 5 : 5) : repeats;
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    double *times = malloc(sizeof(double) * reps);
    for (int i = 0; i < n; i++) x[i] = (float)(i % 7);
    for (int i = 0; i < 3; i++) MPI_Allreduce(x, y, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < reps; i++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      MPI_Allreduce(x, y, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      times[i] = (MPI_Wtime() - t0) * 1e3;
    }
    qsort(times, reps, sizeof(double), compare);
    if (rank == 0) printf("c allreduce floats=%d ranks=%d median_ms=%.3f min_ms=%.3f\n", n, size, times[reps / 2], times[0]);
    free(x); free(y); free(times);
  }
  MPI_Finalize();
  return 0;
}
