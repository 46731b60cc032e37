package io.esplink.core;

/** Told once how a message sent with {@link EspLinkServer#send} or {@link EspLinkClient#send} ended. */
@FunctionalInterface
public interface SendListener {

    /**
     * @param failure null when the message was written (qos off) or acknowledged (qos on); otherwise why it was not
     */
    void done(Throwable failure);
}
