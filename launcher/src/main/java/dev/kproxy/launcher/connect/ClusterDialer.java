package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.PortForwardTransport;
import dev.kproxy.k8s.PortForwardException;
import dev.kproxy.k8s.Target;
import dev.kproxy.k8s.TargetResolver;
import dev.kproxy.proxy.DialFailure;
import dev.kproxy.proxy.Destination;
import dev.kproxy.proxy.Dialer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's way into the cluster: {@link TargetResolver} decides where {@code host:port} goes
 * (a cluster name, ClusterIP or pod IP becomes a pod port; anything else is direct unless
 * {@code --no-direct}), and {@link PortForwardTransport} carries pod connections over the API
 * server's {@code pods/portforward}, on the client connection's own event loop.
 */
public final class ClusterDialer implements Dialer {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterDialer.class);

    private final TargetResolver resolver;
    private final PortForwardTransport portForward;
    private final Dialer direct;

    public ClusterDialer(TargetResolver resolver, PortForwardTransport portForward, Dialer direct) {
        this.resolver = resolver;
        this.portForward = portForward;
        this.direct = direct;
    }

    @Override
    public Future<Channel> dial(Destination destination, EventLoop eventLoop) {
        Target target = resolver.resolve(destination.host(), destination.port());
        if (target instanceof Target.PodTarget pod) {
            return openPod(destination, pod, eventLoop, true);
        }
        if (target instanceof Target.Direct d) {
            return direct.dial(new Destination(d.host(), d.port(), destination.protocol()), eventLoop);
        }
        return eventLoop.newFailedFuture(refusal(destination, (Target.Refused) target));
    }

    private Future<Channel> openPod(Destination destination, Target.PodTarget pod, EventLoop eventLoop, boolean mayRetry) {
        LOG.debug("{} -> pod {}/{}:{}", destination.hostAndPort(), pod.namespace(), pod.pod(), pod.podPort());
        Promise<Channel> result = eventLoop.newPromise();
        portForward.open(pod.namespace(), pod.pod(), pod.podPort(), eventLoop).addListener((Future<Channel> opened) -> {
            if (opened.isSuccess()) {
                if (!result.trySuccess(opened.getNow())) {
                    opened.getNow().close();
                }
                return;
            }
            // The informers may still list a pod that was just deleted; the endpoint slices move
            // on within moments, so one fresh resolution usually finds a live endpoint.
            if (mayRetry && opened.cause() instanceof PortForwardException e && e.kind() == PortForwardException.Kind.POD_NOT_FOUND) {
                Target again = resolver.resolve(destination.host(), destination.port());
                if (again instanceof Target.PodTarget other && !other.equals(pod)) {
                    openPod(destination, other, eventLoop, false).addListener((Future<Channel> retried) -> {
                        if (retried.isSuccess()) {
                            result.trySuccess(retried.getNow());
                        } else {
                            result.tryFailure(retried.cause());
                        }
                    });
                    return;
                }
            }
            result.tryFailure(failure(destination, opened.cause()));
        });
        return result;
    }

    static DialFailure refusal(Destination destination, Target.Refused refused) {
        DialFailure.Kind kind = refused.reason().contains("--no-direct") ? DialFailure.Kind.NOT_ALLOWED : DialFailure.Kind.HOST_UNREACHABLE;
        return new DialFailure(kind, destination.hostAndPort() + ": " + refused.reason());
    }

    /** A port-forward failure as the proxy's failure kind: picks the SOCKS reply code and HTTP status. */
    static DialFailure failure(Destination destination, Throwable cause) {
        if (!(cause instanceof PortForwardException e)) {
            return DialFailure.classify(destination, cause);
        }
        DialFailure.Kind kind = switch (e.kind()) {
            case POD_NOT_FOUND -> DialFailure.Kind.HOST_UNREACHABLE;
            case FORBIDDEN, UNAUTHORIZED -> DialFailure.Kind.NOT_ALLOWED;
            case REMOTE_ERROR -> DialFailure.Kind.REFUSED;
            case UNREACHABLE -> DialFailure.Kind.NETWORK_UNREACHABLE;
            case PROTOCOL -> DialFailure.Kind.GENERAL;
        };
        return new DialFailure(kind, destination.hostAndPort() + ": " + e.getMessage(), e);
    }
}
