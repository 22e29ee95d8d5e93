package dev.kproxy.jvmagent.cache;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.zip.CRC32;

/**
 * Class files the agent wrote (woven JDK and Netty classes, the JDK 18+ resolver wrapper), kept on
 * disk between JVM starts so that a start which finds them all needs no ASM: loading and running
 * ASM on a cold JVM is the largest part of the agent's start-up on JDK 25, where
 * {@code SocketChannelImpl} must be retransformed before {@code main}.
 *
 * <p>Where: {@code $KPROXY_HOME/agent-cache/<agent>/}, beside the daemon's 0600 socket in its 0700
 * home, so only the user can put code there: the directories are created 0700, the files 0600, and
 * the cache is used only when the home and both directories belong to the user and no one else may
 * write to them.
 * {@code <agent>} is the agent jar's size and modification time, so a rebuilt agent starts a fresh
 * cache. An entry is named by the class and the length and CRC-32 of the bytes it was made from (a
 * different JDK build misses), and carries the CRC-32 of its own content: a torn or damaged file
 * is a miss, never a broken class. Every failure is a miss; the cache never stops the agent.
 */
public final class ClassFileCache {
    private static final int MAGIC = 0x4b505743; // "KPWC"
    private static final ClassFileCache NONE = new ClassFileCache(null);

    private final File dir;

    private ClassFileCache(File dir) {
        this.dir = dir;
    }

    /** A cache that never hits and never writes. */
    public static ClassFileCache none() {
        return NONE;
    }

    /**
     * The cache under {@code home} (the daemon's directory, which must exist) for the agent jar
     * {@code agentJar}; {@link #none()} when either is missing or the directory cannot be made.
     */
    public static ClassFileCache in(File home, File agentJar) {
        if (home == null || agentJar == null || !home.isDirectory() || !agentJar.isFile()) {
            return NONE;
        }
        File root = new File(home, "agent-cache");
        File dir = new File(root, Long.toHexString(agentJar.length()) + "-" + Long.toHexString(agentJar.lastModified()));
        if (!dir.isDirectory() && !(privateDir(root) && privateDir(dir))) {
            return NONE;
        }
        // Code from here goes into java.base: only a chain of directories that no one else can
        // write to will do (a socket named in /tmp, say, gets no cache).
        return ownedAndPrivate(home) && ownedAndPrivate(root) && ownedAndPrivate(dir) ? new ClassFileCache(dir) : NONE;
    }

    private static boolean ownedAndPrivate(File d) {
        try {
            PosixFileAttributes a = Files.readAttributes(d.toPath(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isDirectory() && a.owner().getName().equals(System.getProperty("user.name"))
                    && !a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    && !a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static boolean privateDir(File d) {
        if (d.isDirectory()) {
            return true;
        }
        if (!d.mkdir()) {
            return d.isDirectory();
        }
        return ownerOnly(d, true);
    }

    private static boolean ownerOnly(File f, boolean executable) {
        boolean ok = f.setReadable(false, false) & f.setWritable(false, false) & f.setExecutable(false, false)
                & f.setReadable(true, true) & f.setWritable(true, true);
        return executable ? ok & f.setExecutable(true, true) : ok;
    }

    /** The bytes cached for {@code name} made from {@code source}, or null. */
    public byte[] get(String name, byte[] source) {
        if (dir == null) {
            return null;
        }
        File entry = entry(name, source);
        if (!entry.isFile()) {
            return null;
        }
        try (InputStream in = new FileInputStream(entry)) {
            byte[] all = in.readAllBytes();
            if (all.length < 12 || readInt(all, 0) != MAGIC) {
                return null;
            }
            byte[] content = new byte[all.length - 8];
            System.arraycopy(all, 8, content, 0, content.length);
            return readInt(all, 4) == crc(content) ? content : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Keeps {@code content} for {@code name} made from {@code source}; a failure only costs the next start. */
    public void put(String name, byte[] source, byte[] content) {
        if (dir == null) {
            return;
        }
        File entry = entry(name, source);
        File partial = new File(dir, entry.getName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (FileOutputStream out = new FileOutputStream(partial)) {
                ownerOnly(partial, false);
                byte[] header = new byte[8];
                writeInt(header, 0, MAGIC);
                writeInt(header, 4, crc(content));
                out.write(header);
                out.write(content);
            }
            if (!partial.renameTo(entry)) {
                partial.delete();
            }
        } catch (IOException e) {
            partial.delete();
        }
    }

    private File entry(String name, byte[] source) {
        return new File(dir, name.replace('/', '.') + "-" + Integer.toHexString(source.length) + "-"
                + Integer.toHexString(crc(source)) + ".class");
    }

    private static int crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static void writeInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
