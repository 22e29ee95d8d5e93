package dev.kproxy.launcher.agent;

import dev.kproxy.launcher.connect.ClusterDialer;
import dev.kproxy.launcher.connect.Outbound;
import dev.kproxy.proxy.DirectDialer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The daemon side of the Java agent, composed over a running {@link Outbound} session: the agent
 * socket, the name and range answers, and the loopback listeners, which dial through a
 * {@link ClusterDialer} over the session's resolver and port-forward transport. Close it after
 * the session: port-forward channels opened for agents complete on this service's event loop.
 */
public final class AgentService implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LoopbackListeners listeners;
    private final AgentSocketServer server;

    private AgentService(Outbound outbound, Path socket, String clusterDomain) throws IOException {
        listeners = new LoopbackListeners(new ClusterDialer(outbound.resolver(), outbound.transport(), new DirectDialer()), group);
        ClusterNames names = new ClusterNames(outbound.index(), outbound.namespace(), clusterDomain);
        AgentRequests requests = new AgentRequests(names, listeners, outbound.namespace(), outbound.namespaces());
        // Pod IPs come and go; a minute's grace covers connections still being routed to one.
        group.scheduleAtFixedRate(() -> listeners.retainClusterAddresses(names::isClusterAddress), 60, 60, TimeUnit.SECONDS);
        try {
            server = new AgentSocketServer(socket, requests::answer);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Serves agents on {@code socket} (see {@link AgentJar#socket}) until closed. */
    public static AgentService start(Outbound outbound, Path socket, String clusterDomain) throws IOException {
        return new AgentService(outbound, socket, clusterDomain);
    }

    /** For {@code kproxy status}: where agents connect and how many cluster destinations they use. */
    public ObjectNode status() {
        return JsonMapper.builder().build().createObjectNode()
                .put("agentSocket", server.socket().toString())
                .put("agentListeners", listeners.size());
    }

    @Override
    public void close() {
        server.close();
        listeners.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
