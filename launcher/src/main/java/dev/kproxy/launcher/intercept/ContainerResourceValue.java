package dev.kproxy.launcher.intercept;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code resourceFieldRef} environment value as the kubelet computes it
 * (kubernetes pkg/api/v1/resource/helpers.go {@code ExtractContainerResourceValue}): the container's
 * request or limit divided by the divisor (default 1) and rounded up; CPU in millicores, the rest in
 * base units. An unset request is 0; an unset limit is the node's allocatable amount (kubelet
 * {@code MergeContainerResourceLimits}), which only the caller can know: without it there is no
 * value.
 */
final class ContainerResourceValue {
    private ContainerResourceValue() {
    }

    /**
     * The value, or empty when it is an unset limit and {@code nodeAllocatable} does not have it.
     *
     * @throws IllegalArgumentException for a resource the downward API does not offer
     */
    static Optional<String> of(ResourceFieldSelector selector, Container container, Map<String, Quantity> nodeAllocatable) {
        String field = selector.getResource();
        int dot = field == null ? -1 : field.indexOf('.');
        String kind = dot < 0 ? "" : field.substring(0, dot);
        String resource = dot < 0 ? "" : field.substring(dot + 1);
        if (!(kind.equals("limits") || kind.equals("requests"))
                || !(resource.equals("cpu") || resource.equals("memory") || resource.equals("ephemeral-storage")
                || resource.startsWith("hugepages-"))) {
            throw new IllegalArgumentException("resourceFieldRef " + field + " is not a resource the downward API offers");
        }
        var resources = container.getResources();
        Map<String, Quantity> set = resources == null ? null : kind.equals("limits") ? resources.getLimits() : resources.getRequests();
        Quantity amount = set == null ? null : set.get(resource);
        if (amount == null && kind.equals("limits")) {
            amount = nodeAllocatable.get(resource);
            if (amount == null) {
                return Optional.empty();
            }
        }
        BigDecimal value = amount == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(amount);
        Quantity divisorQuantity = selector.getDivisor();
        BigDecimal divisor = divisorQuantity == null || Objects.requireNonNullElse(divisorQuantity.getAmount(), "").isEmpty()
                ? BigDecimal.ONE : Quantity.getAmountInBytes(divisorQuantity);
        if (divisor.signum() <= 0) {
            throw new IllegalArgumentException("resourceFieldRef " + field + " has divisor " + divisorQuantity + "; it must be positive");
        }
        // CPU in whole millicores (MilliValue()), the rest in whole units (Value()): both rounded up first, as the kubelet does.
        int scale = resource.equals("cpu") ? 3 : 0;
        value = value.movePointRight(scale).setScale(0, RoundingMode.CEILING);
        divisor = divisor.movePointRight(scale).setScale(0, RoundingMode.CEILING);
        return Optional.of(value.divide(divisor, 0, RoundingMode.CEILING).toPlainString());
    }
}
