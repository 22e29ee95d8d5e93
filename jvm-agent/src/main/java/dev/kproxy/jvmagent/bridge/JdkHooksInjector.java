package dev.kproxy.jvmagent.bridge;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;

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
        Class<?> anchor = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
        Module agent = JdkHooksInjector.class.getModule();
        inst.redefineModule(anchor.getModule(), Set.of(), Map.of(), Map.of("sun.nio.ch", Set.of(agent)), Set.of(), Map.of());
        Class<?> defined;
        try {
            defined = Class.forName(NAME.replace('/', '.'), false, null);
        } catch (ClassNotFoundException notYet) {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(anchor, MethodHandles.lookup());
            defined = lookup.defineClass(renamed());
        }
        defined.getField("hooks").set(null, dispatch);
    }

    private static byte[] renamed() throws IOException {
        String own = JdkHooks.class.getName().replace('.', '/');
        try (InputStream in = JdkHooksInjector.class.getResourceAsStream("/" + own + ".class")) {
            if (in == null) {
                throw new IOException(own + ".class is missing from the agent jar");
            }
            ClassReader reader = new ClassReader(in);
            ClassWriter writer = new ClassWriter(0);
            reader.accept(new ClassRemapper(writer, new SimpleRemapper(own, NAME)), 0);
            return writer.toByteArray();
        }
    }
}
