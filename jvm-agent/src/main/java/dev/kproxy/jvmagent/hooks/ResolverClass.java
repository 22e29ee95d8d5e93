package dev.kproxy.jvmagent.hooks;

import dev.kproxy.jvmagent.cache.ClassFileCache;

import java.lang.invoke.MethodHandles;

/**
 * On JDK 18+, the wrapper around the JDK's {@code InetAddressResolver}: a small class written with
 * ASM ({@link ResolverClassWriter}; the agent compiles for 17, where the interface does not exist)
 * the first time, and taken from the {@link ClassFileCache} on later starts, so that those load no
 * ASM. A {@code java.lang.reflect.Proxy} would do the same, but on JDK 25 generating one costs the
 * app's start some 20-50 ms of class-file API loading.
 */
final class ResolverClass {
    static final String RESOLVER = "java/net/spi/InetAddressResolver";
    /** A constant, so that reading it does not load the writer (and ASM) when the cache has the class. */
    static final String NAME = "dev/kproxy/jvmagent/hooks/ClusterResolver";
    /** What the cache entry is made from: the class is the same for every JDK, so nothing but its name. */
    private static final byte[] NO_SOURCE = new byte[0];

    private ResolverClass() {
    }

    static Object wrap(Object jdkResolver, ClassFileCache cache) throws ReflectiveOperationException {
        Class<?> resolver = Class.forName(RESOLVER.replace('/', '.'));
        String name = NAME;
        byte[] bytes = cache.get(name, NO_SOURCE);
        if (bytes == null) {
            bytes = ResolverClassWriter.bytes();
            cache.put(name, NO_SOURCE, bytes);
        }
        Class<?> defined = MethodHandles.lookup().defineClass(bytes);
        return defined.getConstructor(resolver).newInstance(jdkResolver);
    }
}
