package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.patch.Json.node;
import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ObjectNode;

/** Expected objects are what a real API server (1.32) returns for the same input. */
class AdmissionDefaultsTest {
    private final Sandbox sandbox = new Sandbox();

    @AfterEach
    void close() {
        sandbox.close();
    }

    @Test
    void podSpecDefaults() {
        ObjectNode pod = sandbox.admission.admitCreate(ResourceCatalog.POD, object("{'metadata':{'name':'p','namespace':'default'},"
                + "'spec':{'containers':[{'name':'c','image':'web:1.2','ports':[{'containerPort':8080}],"
                + "'readinessProbe':{'httpGet':{'port':8080}},'env':[{'name':'POD','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'}}}],"
                + "'resources':{'limits':{'cpu':'1','memory':'64Mi'}}}],"
                + "'volumes':[{'name':'cfg','configMap':{'name':'c'}},{'name':'scratch'}]}}"));
        assertThat(pod).isEqualTo(object("{'metadata':{'name':'p','namespace':'default'},'spec':{"
                + "'containers':[{'name':'c','image':'web:1.2','ports':[{'containerPort':8080,'protocol':'TCP'}],"
                + "'readinessProbe':{'httpGet':{'port':8080,'path':'/','scheme':'HTTP'},'timeoutSeconds':1,'periodSeconds':10,"
                + "'successThreshold':1,'failureThreshold':3},"
                + "'env':[{'name':'POD','valueFrom':{'fieldRef':{'fieldPath':'metadata.name','apiVersion':'v1'}}}],"
                + "'resources':{'limits':{'cpu':'1','memory':'64Mi'},'requests':{'cpu':'1','memory':'64Mi'}},"
                + "'imagePullPolicy':'IfNotPresent','terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'File'}],"
                + "'volumes':[{'name':'cfg','configMap':{'name':'c','defaultMode':420}},{'name':'scratch','emptyDir':{}}],"
                + "'restartPolicy':'Always','terminationGracePeriodSeconds':30,'dnsPolicy':'ClusterFirst',"
                + "'schedulerName':'default-scheduler','securityContext':{},'enableServiceLinks':true,'nodeName':'kproxy-sandbox'},"
                + "'status':{'phase':'Pending','qosClass':'Guaranteed'}}"));
    }

    @ParameterizedTest
    @CsvSource({"nginx, Always", "nginx:latest, Always", "nginx:1.27, IfNotPresent", "localhost:5000/app, Always",
            "localhost:5000/app:v2, IfNotPresent", "app@sha256:abc, IfNotPresent", "reg.io/team/app:latest, Always"})
    void imagePullPolicyFollowsTheTag(String image, String policy) {
        ObjectNode pod = sandbox.admission.admitCreate(ResourceCatalog.POD, object("{'metadata':{'name':'p','namespace':'default'},"
                + "'spec':{'containers':[{'name':'c','image':'" + image + "'}]}}"));
        assertThat(pod.at("/spec/containers/0/imagePullPolicy").asString()).isEqualTo(policy);
        assertThat(pod.at("/status/qosClass").asString()).isEqualTo("BestEffort");
    }

    @Test
    void deploymentDefaultsAndItsTemplateLikeAPodsWithoutPodOnlyFields() {
        ObjectNode d = sandbox.admission.admitCreate(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'c','image':'web:1'}]}}}}"));
        assertThat(d.get("spec")).isEqualTo(node("{'selector':{'matchLabels':{'app':'web'}},"
                + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'web:1',"
                + "'imagePullPolicy':'IfNotPresent','terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'File',"
                + "'resources':{}}],'restartPolicy':'Always','terminationGracePeriodSeconds':30,'dnsPolicy':'ClusterFirst',"
                + "'schedulerName':'default-scheduler','securityContext':{}}},"
                + "'replicas':1,'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':'25%'}},"
                + "'revisionHistoryLimit':10,'progressDeadlineSeconds':600}"));
    }

    @Test
    void recreateStrategyGetsNoRollingUpdateParameters() {
        ObjectNode d = sandbox.admission.admitCreate(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'strategy':{'type':'Recreate'},'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'c','image':'web:1'}]}}}}"));
        assertThat(d.at("/spec/strategy")).isEqualTo(node("{'type':'Recreate'}"));
    }

    @Test
    void statefulSetDefaults() {
        ObjectNode s = sandbox.admission.admitCreate(ResourceCatalog.STATEFUL_SET, object("{'metadata':{'name':'db','namespace':'default'},"
                + "'spec':{'serviceName':'db','selector':{'matchLabels':{'app':'db'}},'template':{'metadata':{'labels':{'app':'db'}},"
                + "'spec':{'containers':[{'name':'c','image':'db:1'}]}}}}"));
        ObjectNode spec = (ObjectNode) s.get("spec");
        assertThat(spec.get("replicas").asInt()).isEqualTo(1);
        assertThat(spec.get("podManagementPolicy").asString()).isEqualTo("OrderedReady");
        assertThat(spec.get("updateStrategy")).isEqualTo(node("{'type':'RollingUpdate','rollingUpdate':{'partition':0}}"));
        assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(spec.get("persistentVolumeClaimRetentionPolicy")).isEqualTo(node("{'whenDeleted':'Retain','whenScaled':'Retain'}"));
        assertThat(spec.at("/template/spec/dnsPolicy").asString()).isEqualTo("ClusterFirst");
    }

    @Test
    void serviceDefaults() {
        ObjectNode svc = sandbox.admission.admitCreate(ResourceCatalog.SERVICE, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'selector':{'app':'web'},'ports':[{'port':80}]}}"));
        String ip = svc.at("/spec/clusterIP").asString();
        assertThat(svc.get("spec")).isEqualTo(node("{'selector':{'app':'web'},'ports':[{'port':80,'protocol':'TCP','targetPort':80}],"
                + "'type':'ClusterIP','sessionAffinity':'None','internalTrafficPolicy':'Cluster','ipFamilyPolicy':'SingleStack',"
                + "'ipFamilies':['IPv4'],'clusterIP':'" + ip + "','clusterIPs':['" + ip + "']}"));
        assertThat(svc.get("status")).isEqualTo(node("{'loadBalancer':{}}"));
    }

    @Test
    void nodePortServicesGetAnExternalTrafficPolicyAndClientIpAffinityATimeout() {
        ObjectNode svc = sandbox.admission.admitCreate(ResourceCatalog.SERVICE, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'type':'NodePort','sessionAffinity':'ClientIP','ports':[{'port':80,'targetPort':'http'}]}}"));
        assertThat(svc.at("/spec/externalTrafficPolicy").asString()).isEqualTo("Cluster");
        assertThat(svc.at("/spec/sessionAffinityConfig")).isEqualTo(node("{'clientIP':{'timeoutSeconds':10800}}"));
        assertThat(svc.at("/spec/ports/0/targetPort").asString()).isEqualTo("http");
    }

    @Test
    void externalNameServicesGetNoIpFields() {
        ObjectNode svc = sandbox.admission.admitCreate(ResourceCatalog.SERVICE, object("{'metadata':{'name':'ext','namespace':'default'},"
                + "'spec':{'type':'ExternalName','externalName':'example.com'}}"));
        assertThat(svc.get("spec")).isEqualTo(node("{'type':'ExternalName','externalName':'example.com','sessionAffinity':'None'}"));
    }

    @Test
    void namespaceDefaults() {
        ObjectNode ns = sandbox.admission.admitCreate(ResourceCatalog.NAMESPACE, object("{'metadata':{'name':'team'}}"));
        assertThat(ns).isEqualTo(object("{'metadata':{'name':'team','labels':{'kubernetes.io/metadata.name':'team'}},"
                + "'spec':{'finalizers':['kubernetes']},'status':{'phase':'Active'}}"));
    }

    @Test
    void admittingAnAdmittedObjectChangesNothing() {
        ObjectNode d = sandbox.create(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'c','image':'web','livenessProbe':{'tcpSocket':{'port':1}}}]}}}}"));
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.DEPLOYMENT, d, d)).isEqualTo(d);
        ObjectNode svc = sandbox.create(ResourceCatalog.SERVICE, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'type':'LoadBalancer','ports':[{'port':80}]}}"));
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.SERVICE, svc, svc)).isEqualTo(svc);
    }
}
