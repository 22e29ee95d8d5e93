package dev.kproxy.jvmagent.bridge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** Defines {@link JdkHooks} in {@code java.base} as {@link #NAME} and connects it to the agent. */
public final class JdkHooksInjector {
    /** The internal name woven JDK code calls. */
    public static final String NAME = "sun/nio/ch/KproxyHooks";

    private JdkHooksInjector() {
    }

    public static void inject(Instrumentation inst, BiFunction<String, Object[], Object> dispatch) throws Exception {
        Class<?> anchor = Class.forName("sun.nio.ch.Net", false, null);
        Module agent = JdkHooksInjector.class.getModule();
        inst.redefineModule(anchor.getModule(), Set.of(), Map.of(), Map.of("sun.nio.ch", Set.of(agent)), Set.of(), Map.of());
        Class<?> defined;
        try {
            defined = Class.forName(NAME.replace('/', '.'), false, null);
        } catch (ClassNotFoundException notYet) {
            defined = MethodHandles.privateLookupIn(anchor, MethodHandles.lookup()).defineClass(renamed());
        }
        defined.getField("hooks").set(null, dispatch);
    }

    /**
     * JdkHooks' class file with its own name replaced in the constant pool (the one UTF-8 entry
     * its class entry points to; it never mentions itself in a descriptor). Done by hand rather
     * than with ASM's remapper to keep start-up lean.
     */
    static byte[] renamed() throws IOException {
        String own = JdkHooks.class.getName().replace('.', '/');
        byte[] bytes;
        try (InputStream in = JdkHooksInjector.class.getResourceAsStream("/" + own + ".class")) {
            if (in == null) {
                throw new IOException(own + ".class is missing from the agent jar");
            }
            bytes = in.readAllBytes();
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(bytes.length);
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeInt(in.readInt()); // magic
        out.writeInt(in.readInt()); // minor, major
        int count = in.readUnsignedShort();
        out.writeShort(count);
        boolean replaced = false;
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            out.writeByte(tag);
            switch (tag) {
                case 1 -> {
                    String utf = in.readUTF();
                    if (utf.equals(own)) {
                        utf = NAME;
                        replaced = true;
                    }
                    out.writeUTF(utf);
                }
                case 3, 4 -> out.writeInt(in.readInt());
                case 5, 6 -> {
                    out.writeLong(in.readLong());
                    i++;
                }
                case 7, 8, 16, 19, 20 -> out.writeShort(in.readUnsignedShort());
                case 9, 10, 11, 12, 17, 18 -> out.writeInt(in.readInt());
                case 15 -> {
                    out.writeByte(in.readUnsignedByte());
                    out.writeShort(in.readUnsignedShort());
                }
                default -> throw new IOException("unexpected constant pool tag " + tag + " in " + own);
            }
        }
        if (!replaced) {
            throw new IOException("no class name " + own + " in its own class file");
        }
        in.transferTo(out);
        out.flush();
        return buffer.toByteArray();
    }
}
