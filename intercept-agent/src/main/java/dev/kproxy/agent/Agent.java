package dev.kproxy.agent;

import dev.kproxy.tunnel.DaemonThreads;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The intercept agent: one tunnel listener, one listener per intercepted port, and the attached tunnel. */
public final class Agent implements Closeable {
    private final AgentConfig config;
    private final TunnelSlot slot = new TunnelSlot();
    private final ExecutorService workers = Executors.newCachedThreadPool(new DaemonThreads("agent-connection"));
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(new DaemonThreads("agent-heartbeat"));
    private final TunnelListener tunnelListener;
    private final List<InterceptListener> interceptListeners = new ArrayList<>();

    public Agent(AgentConfig config) {
        this.config = config;
        this.tunnelListener = new TunnelListener(config, slot, workers, scheduler);
    }

    /** Binds every listener; on failure nothing stays bound. */
    public void start() throws IOException {
        try {
            tunnelListener.start();
            for (PortMapping mapping : config.ports()) {
                InterceptListener listener = new InterceptListener(mapping, config, slot, workers);
                listener.start();
                interceptListeners.add(listener);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    public List<InetSocketAddress> tunnelAddresses() {
        return tunnelListener.boundAddresses();
    }

    /** Where each agent port listens, in the order of {@link AgentConfig#ports()}. */
    public List<InetSocketAddress> interceptAddresses() {
        List<InetSocketAddress> bound = new ArrayList<>();
        interceptListeners.forEach(listener -> bound.add(listener.boundAddress()));
        return bound;
    }

    @Override
    public void close() {
        tunnelListener.close();
        interceptListeners.forEach(InterceptListener::close);
        slot.close();
        scheduler.shutdownNow();
        workers.shutdownNow();
    }
}
