package dev.kproxy.k8s;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.netty.handler.codec.http.FullHttpResponse;

import java.nio.charset.StandardCharsets;

/**
 * The API server's non-101 answer to a port-forward upgrade as one {@link PortForwardException}
 * line a user can act on. Shared by every transport: a 404 or 403 means the same whatever the
 * subprotocol.
 */
public final class UpgradeRejection {

    private UpgradeRejection() {
    }

    /** True for the answers that are about the request (pod, RBAC, credentials), not the protocol. */
    public static boolean aboutTheRequest(int code) {
        return code == 401 || code == 403 || code == 404;
    }

    public static PortForwardException of(FullHttpResponse response, PortForwardRequest request) {
        int code = response.status().code();
        String ns = request.namespace();
        String pod = request.pod();
        return switch (code) {
            case 404 -> new PortForwardException(PortForwardException.Kind.POD_NOT_FOUND,
                    "pod " + pod + " not found in namespace " + ns + "; check `kubectl get pods -n " + ns + "`");
            case 403 -> new PortForwardException(PortForwardException.Kind.FORBIDDEN,
                    "forbidden: your kubeconfig user may not create pods/portforward in namespace " + ns
                            + "; ask for RBAC permission `create pods/portforward` in namespace " + ns);
            case 401 -> new PortForwardException(PortForwardException.Kind.UNAUTHORIZED,
                    "the API server " + request.apiServer() + " rejected your credentials (401 Unauthorized);"
                            + " log in again or renew the token of your kubeconfig context");
            default -> new PortForwardException(PortForwardException.Kind.PROTOCOL,
                    "the API server refused port-forward to pod " + ns + "/" + pod + " with " + response.status()
                            + statusMessage(response));
        };
    }

    /** Neither an answer nor a failure in time: the dial gives up with this. */
    public static PortForwardException noAnswerWithin(PortForwardRequest request, long seconds) {
        return new PortForwardException(PortForwardException.Kind.UNREACHABLE, "no port-forward answer from the API server "
                + request.apiServer() + " for pod " + request.namespace() + "/" + request.pod() + " within " + seconds + " s");
    }

    /** The API server hung up before it answered the upgrade. */
    public static PortForwardException closedBeforeAnswer(java.net.URI apiServer) {
        return new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                "the API server " + apiServer + " closed the connection before answering the port-forward upgrade");
    }

    /** A connection or TLS failure before the API server answered, as one line naming what to check. */
    public static PortForwardException unreachable(Throwable cause, java.net.URI apiServer) {
        Throwable root = cause;
        while (root.getCause() != null && !(root instanceof javax.net.ssl.SSLException)) {
            root = root.getCause();
        }
        String line = root instanceof javax.net.ssl.SSLException
                ? "TLS with the API server " + apiServer + " failed: " + root.getMessage()
                        + "; check the server and certificate-authority of your kubeconfig"
                : "cannot connect to the API server " + apiServer + ": " + root.getMessage()
                        + "; check that the cluster is up and the kubeconfig's server URL";
        return new PortForwardException(PortForwardException.Kind.UNREACHABLE, line, cause);
    }

    /** The {@code message} of a Kubernetes Status body (": message"), or the body's first line, or "". */
    public static String statusMessage(FullHttpResponse response) {
        String body = response.content().toString(StandardCharsets.UTF_8).strip();
        if (body.isEmpty()) {
            return "";
        }
        try {
            Status status = StatusJson.MAPPER.unmarshal(body, Status.class);
            if (status != null && status.getMessage() != null) {
                return ": " + status.getMessage();
            }
        } catch (RuntimeException notStatusJson) {
            // plain text bodies are shown as they are
        }
        String line = body.lines().findFirst().orElse("");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    /** Built on first use only: fabric8's serialization registers every model type, which takes a while. */
    private static final class StatusJson {
        static final KubernetesSerialization MAPPER = new KubernetesSerialization();
    }
}
