package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

class AdmissionValidationTest {
    private final Sandbox sandbox = new Sandbox();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private void assertInvalid(ResourceType type, ObjectNode object, String message) {
        assertThatThrownBy(() -> sandbox.admission.admitCreate(type, object))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID))
                .hasMessage(message);
    }

    @Test
    void deploymentWithoutContainers() {
        assertInvalid(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'x','namespace':'default'},"
                        + "'spec':{'selector':{'matchLabels':{'app':'x'}},'template':{'metadata':{'labels':{'app':'x'}},'spec':{}}}}"),
                "Deployment.apps \"x\" is invalid: spec.template.spec.containers: Required value");
    }

    @Test
    void missingNamespaceIsNotFound() {
        assertThatThrownBy(() -> sandbox.admission.admitCreate(ResourceCatalog.CONFIG_MAP,
                object("{'metadata':{'name':'c','namespace':'nope'}}")))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND))
                .hasMessage("namespaces \"nope\" not found");
    }

    @Test
    void namesFollowTheRuleOfTheirKind() {
        assertInvalid(ResourceCatalog.CONFIG_MAP, object("{'metadata':{'name':'Bad_Name','namespace':'default'}}"),
                "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must"
                        + " consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric"
                        + " character (e.g. 'example.com', regex used for validation is"
                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        assertInvalid(ResourceCatalog.NAMESPACE, object("{'metadata':{'name':'a.b'}}"),
                "Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of"
                        + " lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                        + " (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        assertThatThrownBy(() -> sandbox.admission.admitCreate(ResourceCatalog.SERVICE,
                object("{'metadata':{'name':'1st','namespace':'default'},'spec':{'ports':[{'port':80}]}}")))
                .hasMessageStartingWith("Service \"1st\" is invalid: metadata.name: Invalid value: \"1st\": a DNS-1035 label");
        assertInvalid(ResourceCatalog.SECRET, object("{'metadata':{'namespace':'default'}}"),
                "Secret \"\" is invalid: metadata.name: Required value: name or generateName is required");
        assertThatThrownBy(() -> sandbox.admission.admitCreate(ResourceCatalog.CONFIG_MAP,
                object("{'metadata':{'name':'" + "a".repeat(254) + "','namespace':'default'}}")))
                .hasMessageContaining("must be no more than 253 characters");
    }

    @Test
    void generateNameIsValidatedAsAPrefix() {
        ObjectNode pod = object("{'metadata':{'generateName':'web-','namespace':'default'},'spec':{'containers':[{'name':'c','image':'i'}]}}");
        assertThat(sandbox.create(ResourceCatalog.POD, pod).at("/metadata/name").asString()).startsWith("web-").hasSize(9);
    }

    @Test
    void namespacesConfigMapsSecretsEventsAndSlicesNeedOnlyAValidName() {
        assertThat(sandbox.create(ResourceCatalog.NAMESPACE, object("{'metadata':{'name':'team-a'}}"))
                .at("/metadata/name").asString()).isEqualTo("team-a");
        for (ResourceType type : new ResourceType[] {ResourceCatalog.CONFIG_MAP, ResourceCatalog.SECRET, ResourceCatalog.EVENT,
                ResourceCatalog.ENDPOINT_SLICE}) {
            ObjectNode o = object("{'metadata':{'name':'any.thing','namespace':'team-a'},'data':{'k':'v'},'whatever':[1]}");
            assertThat(sandbox.admission.admitCreate(type, o)).as(type.kind()).isEqualTo(o);
        }
    }

    @Test
    void podsNeedNamedContainersWithImagesAndUniqueNames() {
        assertInvalid(ResourceCatalog.POD, object("{'metadata':{'name':'p','namespace':'default'},'spec':{'containers':["
                        + "{'name':'app','image':'a'},{'name':'app','image':'b'},{'image':'c'},{'name':'d'}]}}"),
                "Pod \"p\" is invalid: [spec.containers[1].name: Duplicate value: \"app\", spec.containers[2].name: Required value,"
                        + " spec.containers[3].image: Required value]");
        assertInvalid(ResourceCatalog.POD, object("{'metadata':{'name':'p','namespace':'default'},'spec':{}}"),
                "Pod \"p\" is invalid: spec.containers: Required value");
    }

    @Test
    void workloadSelectorMustMatchTemplateLabels() {
        assertInvalid(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                        + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'api','tier':'x'}},"
                        + "'spec':{'containers':[{'name':'c','image':'i'}]}}}}"),
                "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value:"
                        + " map[string]string{\"app\":\"api\", \"tier\":\"x\"}: `selector` does not match template `labels`");
        assertInvalid(ResourceCatalog.STATEFUL_SET, object("{'metadata':{'name':'db','namespace':'default'},"
                        + "'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}}}"),
                "StatefulSet.apps \"db\" is invalid: spec.selector: Required value");
        ObjectNode rs = object("{'metadata':{'name':'rs','namespace':'default'},'spec':{'selector':{'matchExpressions':"
                + "[{'key':'app','operator':'In','values':['a','b']}]},'template':{'metadata':{'labels':{'app':'b'}},"
                + "'spec':{'containers':[{'name':'c','image':'i'}]}}}}");
        assertThat(sandbox.admission.admitCreate(ResourceCatalog.REPLICA_SET, rs).at("/spec/replicas").asInt()).isEqualTo(1);
    }

    @Test
    void templatesMustRestartAlways() {
        assertInvalid(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                        + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                        + "'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'i'}]}}}}"),
                "Deployment.apps \"web\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Never\":"
                        + " supported values: \"Always\"");
    }

    @Test
    void servicePortsNeedAPortAndTheTypeMustBeKnown() {
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},'spec':{'ports':[{'name':'http'}]}}"),
                "Service \"s\" is invalid: spec.ports[0].port: Required value");
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},"
                        + "'spec':{'type':'Magic','ports':[{'port':80}]}}"),
                "Service \"s\" is invalid: spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\","
                        + " \"LoadBalancer\", \"NodePort\"");
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},'spec':{}}"),
                "Service \"s\" is invalid: spec.ports: Required value");
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},"
                        + "'spec':{'ports':[{'port':80},{'port':81,'name':'b'}]}}"),
                "Service \"s\" is invalid: spec.ports[0].name: Required value");
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},"
                        + "'spec':{'ports':[{'port':80,'nodePort':30001}]}}"),
                "Service \"s\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
        assertInvalid(ResourceCatalog.SERVICE, object("{'metadata':{'name':'s','namespace':'default'},"
                        + "'spec':{'ipFamilies':['IPv6'],'ports':[{'port':80}]}}"),
                "Service \"s\" is invalid: spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster");
    }

    @Test
    void anExistingObjectIsAlreadyExistsBeforeAnythingIsAllocated() {
        ObjectNode svc = object("{'metadata':{'name':'s','namespace':'default'},'spec':{'type':'NodePort','ports':[{'port':80,'nodePort':30080}]}}");
        sandbox.create(ResourceCatalog.SERVICE, svc);
        assertThatThrownBy(() -> sandbox.admission.admitCreate(ResourceCatalog.SERVICE, svc))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ALREADY_EXISTS))
                .hasMessage("services \"s\" already exists");
    }

    @Test
    void workloadSelectorIsImmutable() {
        ObjectNode d = sandbox.create(ResourceCatalog.DEPLOYMENT, object("{'metadata':{'name':'web','namespace':'default'},"
                + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web','v':'1'}},"
                + "'spec':{'containers':[{'name':'c','image':'i'}]}}}}"));
        ObjectNode changed = d.deepCopy();
        ((ObjectNode) changed.at("/spec/selector/matchLabels")).put("v", "1");
        assertThatThrownBy(() -> sandbox.admission.admitUpdate(ResourceCatalog.DEPLOYMENT, d, changed))
                .hasMessage("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"v\":\"1\"}}:"
                        + " field is immutable");
    }

    @Test
    void inputIsNeverModified() {
        ObjectNode pod = object("{'metadata':{'name':'p','namespace':'default'},'spec':{'containers':[{'name':'c','image':'i'}]}}");
        ObjectNode before = pod.deepCopy();
        sandbox.admission.admitCreate(ResourceCatalog.POD, pod);
        assertThat(pod).isEqualTo(before);
    }
}
