/**
 * The {@code esplink.*} Micrometer meters of each gateway ({@link io.esplink.camel.metrics.EspLinkMeterBinder}).
 * Micrometer is an optional dependency: only this package refers to it, and the component calls it only where
 * Micrometer is on the class path.
 */
package io.esplink.camel.metrics;
