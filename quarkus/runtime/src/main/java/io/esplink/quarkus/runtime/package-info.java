/**
 * Camel Quarkus extension of the esplink component: its runtime part only brings camel-esplink; the deployment part
 * ({@code camel-quarkus-esplink-deployment}) registers what native mode needs.
 */
package io.esplink.quarkus.runtime;
