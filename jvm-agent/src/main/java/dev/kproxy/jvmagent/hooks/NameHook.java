package dev.kproxy.jvmagent.hooks;

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
 * {@code InetAddress$NameService}). Either is wrapped in a proxy that answers cluster names and
 * hands everything else, unchanged, to the JDK's resolver - including its exceptions. (The
 * resolver SPI would be the polite way on 18+, but the JDK skips it when
 * {@code jdk.net.hosts.file} is set, and it does not exist on 17.) Needs {@code java.net} opened
 * to this module first.
 */
public final class NameHook {
    private NameHook() {
    }

    /** Returns what was hooked, for the start-up check; throws when neither field exists. */
    public static String install() throws ReflectiveOperationException {
        InetAddress.getLoopbackAddress(); // InetAddress initialised: its resolver field is set or settable
        Field field;
        try {
            field = InetAddress.class.getDeclaredField("resolver");
        } catch (NoSuchFieldException jdk17) {
            field = InetAddress.class.getDeclaredField("nameService");
            field.setAccessible(true);
            Class<?> type = field.getType();
            Object jdk = field.get(null);
            field.set(null, wrap(type, jdk, "lookupAllHostAddr", NameHook::asArray, String.class));
            return "InetAddress.nameService";
        }
        field.setAccessible(true);
        Method builtin = InetAddress.class.getDeclaredMethod("resolver");
        builtin.setAccessible(true);
        Object jdk = builtin.invoke(null);
        Class<?> type = field.getType();
        Class<?> policy = Class.forName("java.net.spi.InetAddressResolver$LookupPolicy");
        field.set(null, wrap(type, jdk, "lookupByName", NameHook::asStream, String.class, policy));
        return "InetAddress.resolver";
    }

    private interface Shape {
        Object of(InetAddress[] addresses);
    }

    private static Object asArray(InetAddress[] a) {
        return a;
    }

    private static Object asStream(InetAddress[] a) {
        return Stream.of(a);
    }

    private static Object wrap(Class<?> type, Object jdk, String lookup, Shape shape, Class<?>... lookupParams)
            throws NoSuchMethodException {
        // The Method a proxy is handed is the interface's, not accessible from here; call through our own copies.
        Method jdkLookup = type.getDeclaredMethod(lookup, lookupParams);
        jdkLookup.setAccessible(true);
        Method[] all = type.getDeclaredMethods();
        for (Method m : all) {
            m.setAccessible(true);
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "kproxy(" + jdk + ")";
                };
            }
            if (method.getName().equals(lookup) && args != null && args[0] instanceof String host) {
                InetAddress[] cluster = Hooks.clusterAddresses(host);
                if (cluster != null) {
                    return shape.of(cluster);
                }
            }
            Method own = Arrays.stream(all).filter(m -> m.getName().equals(method.getName())
                    && Arrays.equals(m.getParameterTypes(), method.getParameterTypes())).findFirst().orElse(method);
            try {
                return own.invoke(jdk, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return Proxy.newProxyInstance(null, new Class<?>[] {type}, handler);
    }
}
