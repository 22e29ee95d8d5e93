package dev.kproxy.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One sandbox per machine. Pod IPs (127.244.0.0/16), ClusterIP twins (127.96.0.0/12) and NodePorts
 * are machine-wide loopback addresses, so a second sandbox would hand out the same addresses and
 * the two would steal each other's traffic. An OS file lock (released by the kernel even after
 * {@code kill -9}) makes the second one fail at once with a message instead.
 */
final class MachineLock implements AutoCloseable {
    private static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "kproxy-sandbox.lock");

    private final FileChannel channel;
    private final FileLock lock;

    private MachineLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static MachineLock acquire() throws IOException {
        FileChannel ch = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        }
        if (lock == null) {
            String holder = readHolder(ch);
            ch.close();
            throw new IOException("another sandbox is running on this machine" + holder
                    + "; its pod and service addresses are machine-wide, so only one can run at a time: stop it first (kproxy sandbox down)");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
        return new MachineLock(ch, lock);
    }

    private static String readHolder(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            int n = ch.read(buf, 0);
            return n > 0 ? " (pid " + new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim() + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the kernel drops the lock with the descriptor anyway
        }
    }
}
