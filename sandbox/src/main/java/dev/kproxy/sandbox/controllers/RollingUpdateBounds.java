package dev.kproxy.sandbox.controllers;

import tools.jackson.databind.JsonNode;

/**
 * A Deployment's maxSurge and maxUnavailable as pod counts, after
 * {@code pkg/controller/deployment/util/deployment_util.go ResolveFenceposts}: percentages of
 * {@code spec.replicas}, surge rounded up and unavailability rounded down; both zero would stall a
 * rollout, so unavailability becomes one. The Recreate strategy has neither.
 */
record RollingUpdateBounds(int maxSurge, int maxUnavailable) {
    static final String DEFAULT = "25%";

    static RollingUpdateBounds of(JsonNode deployment) {
        JsonNode spec = deployment.path("spec");
        int replicas = spec.path("replicas").asInt(1);
        if (isRecreate(deployment)) {
            return new RollingUpdateBounds(0, 0);
        }
        JsonNode rollingUpdate = spec.path("strategy").path("rollingUpdate");
        int surge = scaled(rollingUpdate.path("maxSurge"), replicas, true);
        int unavailable = scaled(rollingUpdate.path("maxUnavailable"), replicas, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new RollingUpdateBounds(surge, replicas == 0 ? 0 : Math.min(unavailable, replicas));
    }

    static boolean isRecreate(JsonNode deployment) {
        return deployment.path("spec").path("strategy").path("type").asString("RollingUpdate").equals("Recreate");
    }

    /** {@code intstr.GetScaledValueFromIntOrPercent}. */
    static int scaled(JsonNode intOrPercent, int total, boolean roundUp) {
        if (intOrPercent.isNumber()) {
            return intOrPercent.asInt();
        }
        String text = intOrPercent.asString(DEFAULT).trim();
        if (text.isEmpty()) {
            text = DEFAULT;
        }
        if (text.endsWith("%")) {
            double value = Integer.parseInt(text.substring(0, text.length() - 1)) * (double) total / 100;
            return (int) (roundUp ? Math.ceil(value) : Math.floor(value));
        }
        return Integer.parseInt(text);
    }
}
