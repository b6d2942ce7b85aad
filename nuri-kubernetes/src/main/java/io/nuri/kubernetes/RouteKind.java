package io.nuri.kubernetes;

/** What an App's routes become on the cluster. */
public enum RouteKind {
    /** networking.k8s.io/v1 Ingress (any ingress controller). */
    INGRESS,
    /** gateway.networking.k8s.io/v1 HTTPRoute attached to a Gateway. */
    HTTP_ROUTE,
    /** route.openshift.io/v1 Route, on OpenShift. */
    OPENSHIFT_ROUTE
}
