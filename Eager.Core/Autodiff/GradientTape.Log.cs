using System.Collections;

namespace Eager;

public sealed partial class GradientTape
{
    private readonly record struct TapeRecord(OpDef Op, Tensor[] Inputs, Attrs Attrs, Tensor[] Outputs);

    /// <summary>The names of the ops recorded so far, in order (tests: which kernels an eager call used).</summary>
    internal List<string> RecordedOps()
    {
        lock (gate) return [.. records.Where(r => r.Op is not null).Select(r => r.Op.Name)];
    }

    /// <summary>
    /// The records, appended in fixed chunks. A growing list copied itself on every doubling and, past 85 KB,
    /// onto the large object heap, whose allocations trigger full collections: with 100,000 recorded ops that
    /// turned every collection into a full one. Chunks are never written below the count once filled, so a
    /// snapshot shares them while a persistent tape keeps recording its own backward pass.
    /// </summary>
    private sealed class TapeLog : IEnumerable<TapeRecord>
    {
        private const int ChunkShift = 10; // 1024 records of 32 bytes: a chunk stays off the large object heap
        private const int ChunkSize = 1 << ChunkShift;
        private TapeRecord[][] chunks;
        private int count;

        public TapeLog() => chunks = [];

        private TapeLog(TapeRecord[][] chunks, int count) { this.chunks = chunks; this.count = count; }

        public int Count => count;

        public ref readonly TapeRecord this[int i] => ref chunks[i >> ChunkShift][i & (ChunkSize - 1)];

        public void Add(in TapeRecord r)
        {
            int c = count >> ChunkShift;
            if (c == chunks.Length) Array.Resize(ref chunks, Math.Max(4, 2 * chunks.Length));
            (chunks[c] ??= new TapeRecord[ChunkSize])[count & (ChunkSize - 1)] = r;
            count++;
        }

        /// <summary>Drops record <paramref name="i"/>'s tensors (a non-persistent tape's answer, once the record is used).</summary>
        public void Forget(int i) => chunks[i >> ChunkShift][i & (ChunkSize - 1)] = default;

        // Drops the chunks rather than clearing them: a snapshot may still be reading them.
        public void Clear() { chunks = []; count = 0; }

        public TapeLog Snapshot() => new((TapeRecord[][])chunks.Clone(), count);

        public IEnumerator<TapeRecord> GetEnumerator()
        {
            for (int i = 0; i < count; i++) yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
