using System.Runtime.InteropServices;

namespace Eager;

/// <summary>
/// Writes files so that a crash, a kill or a power loss leaves under the final name either the complete old
/// file or the complete new one, never part of one: the content goes to a temporary file in the same folder,
/// which is flushed to the device (fsync), renamed over the target, and the folder itself is flushed so that
/// the rename is durable (on Linux and macOS, where a rename lives in the folder's own data).
/// A process killed mid-write can leave its temporary file (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c>) behind.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes the file at <paramref name="path"/> with what <paramref name="write"/> puts in the stream.</summary>
    /// <exception cref="IOException">The file or its folder could not be written or flushed.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
            FlushDirectory(dir);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException">The file or its folder could not be written or flushed.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    // .NET has no API to fsync a directory; Windows needs none (NTFS journals the rename with the file).
    private static void FlushDirectory(string dir)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())) return;
        int fd = Native.Open(dir, 0);
        if (fd < 0) return; // an unreadable folder: the rename has happened, only its durability is unknown
        try
        {
            if (Native.FSync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL and ENOTSUP: file systems that cannot sync a directory (and need no sync for it).
                if (errno is not (22 or 95 or 45))
                    throw new IOException($"Flushing folder '{dir}' after renaming a file into it failed (errno {errno}).");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int FSync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
