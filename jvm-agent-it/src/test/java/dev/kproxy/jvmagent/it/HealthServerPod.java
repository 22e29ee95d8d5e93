package dev.kproxy.jvmagent.it;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** A sandbox pod: grpc-java's standard health service (HealthStatusManager) on the pod's IP, port 50051, SERVING. */
public final class HealthServerPod {
    private HealthServerPod() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(System.getenv().getOrDefault("BIND_ADDRESS", "127.0.0.1"));
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(bind, 50051))
                .addService(health.getHealthService()).build().start();
        health.setStatus("", ServingStatus.SERVING);
        System.out.println("gRPC health server on " + bind.getHostAddress() + ":50051");
        server.awaitTermination();
    }
}
