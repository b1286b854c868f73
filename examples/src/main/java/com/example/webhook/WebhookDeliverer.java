package com.example.webhook;

import dev.courier.consumer.Deliverer;
import dev.courier.consumer.Delivery;
import dev.courier.consumer.DeliveryOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Delivers each message by POSTing its payload to a webhook, with the message's identity in headers.
 * Run it with {@code bin/courier consumer --deliverer com.example.webhook.WebhookDeliverer --classpath
 * examples/target/courier-examples-0.1.0-SNAPSHOT.jar --deliverer-property webhook.url=http://host/hook}.
 *
 * <p>Outcomes: 2xx is DELIVERED; 408, 429 and 5xx (or no answer within {@code webhook.timeout.ms}) are RETRY, so
 * the tracker re-emits the message with back-off; any other 4xx is REJECTED for good (it goes to the dead-letter
 * topic with the status as its reason). The receiver de-duplicates on the {@code Courier-Message-Id} and
 * {@code Courier-Recipient-Id} pair: a repeat after a crash carries {@code Courier-Possible-Redelivery: true}.
 */
public final class WebhookDeliverer implements Deliverer {

    public static final String URL_PROPERTY = "webhook.url";
    public static final String TIMEOUT_PROPERTY = "webhook.timeout.ms";

    private final URI url;
    private final Duration timeout;
    private final HttpClient http;

    public WebhookDeliverer(Map<String, String> properties) {
        String url = properties.get(URL_PROPERTY);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(URL_PROPERTY + " is required (--deliverer-property " + URL_PROPERTY + "=http://...)");
        }
        this.url = URI.create(url);
        this.timeout = Duration.ofMillis(Long.parseLong(properties.getOrDefault(TIMEOUT_PROPERTY, "5000")));
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public DeliveryOutcome deliver(Delivery delivery) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", delivery.contentType())
                .header("Courier-Message-Id", delivery.messageId())
                .header("Courier-Recipient-Id", delivery.recipientId())
                .header("Courier-Conversation-Id", delivery.conversationId())
                .header("Courier-Sender-Id", delivery.senderId())
                .header("Courier-Attempt", Integer.toString(delivery.attempt()))
                .header("Courier-Possible-Redelivery", Boolean.toString(delivery.possibleRedelivery()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.payload()));
        delivery.seq().ifPresent(seq -> request.header("Courier-Seq", Long.toString(seq)));
        int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status / 100 == 2) {
            return DeliveryOutcome.DELIVERED;
        }
        if (status == 408 || status == 429 || status / 100 == 5) {
            return DeliveryOutcome.RETRY;
        }
        return DeliveryOutcome.rejected("webhook answered HTTP " + status);
    }
}
