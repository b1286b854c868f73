package dev.courier.it;

import dev.courier.gateway.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Requests the integration tests make to a running gateway. */
final class GatewayRequests {

    private GatewayRequests() {
    }

    /** {@code POST /v1/messages}: one text message from {@code sender} to {@code recipient}, in conversation c-recipient. */
    static HttpResponse<String> postText(HttpClient http, Gateway gateway, String sender, String recipient, String text)
            throws Exception {
        String body = "{\"conversationId\":\"c-" + recipient + "\",\"senderId\":\"" + sender + "\",\"recipients\":[\""
                + recipient + "\"],\"payload\":\"" + text + "\",\"contentType\":\"text/plain\"}";
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.port() + "/v1/messages"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
