package dev.kproxy.jvmagent.hooks;

import dev.kproxy.jvmagent.cache.ClassFileCache;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Puts cluster names in front of the JDK's own name resolution, in {@code InetAddress} itself, so
 * every client that resolves through it ({@code Socket}, NIO, {@code HttpClient}, Netty's default
 * resolver, gRPC) sees cluster names. JDK 18+ keeps the resolver in {@code InetAddress.resolver}
 * (an {@code InetAddressResolver}); JDK 17 in {@code InetAddress.nameService} (the private
 * {@code InetAddress$NameService}). Either is wrapped (17: in a proxy, this class its handler;
 * 18+: in {@link ResolverClass}'s class) so that it answers cluster names and
 * hands everything else, unchanged, to the JDK's resolver - including its exceptions. (The
 * resolver SPI would be the polite way on 18+, but the JDK skips it when
 * {@code jdk.net.hosts.file} is set, and it does not exist on 17.) Needs {@code java.net} opened
 * to this module first.
 */
public final class NameHook implements InvocationHandler {
    private final Object jdk;
    private final String lookup;
    private final boolean stream;
    /** Our own accessible copies: the Method a proxy is handed is the interface's, not accessible from here. */
    private final Method[] methods;

    private NameHook(Class<?> type, Object jdk, String lookup, boolean stream) {
        this.jdk = jdk;
        this.lookup = lookup;
        this.stream = stream;
        this.methods = type.getDeclaredMethods();
        for (Method m : methods) {
            m.setAccessible(true);
        }
    }

    /** Returns the field it wrapped; throws when neither field exists. */
    public static String install(ClassFileCache cache) throws ReflectiveOperationException {
        InetAddress.getLoopbackAddress(); // InetAddress initialised: its resolver field is set or settable
        Field field;
        Object jdk;
        boolean jdk18 = true;
        try {
            field = InetAddress.class.getDeclaredField("resolver");
            field.setAccessible(true);
            Method builtin = InetAddress.class.getDeclaredMethod("resolver");
            builtin.setAccessible(true);
            jdk = builtin.invoke(null);
        } catch (NoSuchFieldException jdk17) {
            jdk18 = false;
            field = InetAddress.class.getDeclaredField("nameService");
            field.setAccessible(true);
            jdk = field.get(null);
        }
        Class<?> type = field.getType();
        field.set(null, jdk18 ? ResolverClass.wrap(jdk, cache)
                : Proxy.newProxyInstance(null, new Class<?>[] {type}, new NameHook(type, jdk, "lookupAllHostAddr", false)));
        return "InetAddress." + field.getName();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            switch (method.getName()) {
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    return "kproxy(" + jdk + ")";
            }
        }
        if (method.getName().equals(lookup) && args != null && args[0] instanceof String host) {
            InetAddress[] cluster = Hooks.clusterAddresses(host);
            if (cluster != null) {
                return stream ? Stream.of(cluster) : cluster;
            }
        }
        for (Method own : methods) {
            if (own.getName().equals(method.getName()) && Arrays.equals(own.getParameterTypes(), method.getParameterTypes())) {
                try {
                    return own.invoke(jdk, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
        throw new UnsupportedOperationException(method.toString());
    }
}
