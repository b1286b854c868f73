package dev.courier.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.registry.RegistryCommand.DeleteConfig;
import dev.courier.registry.RegistryCommand.DeleteSubject;
import dev.courier.registry.RegistryCommand.DeleteVersion;
import dev.courier.registry.RegistryCommand.Register;
import dev.courier.registry.RegistryCommand.SetConfig;

/**
 * The log's record format. Value: {@code {"type":"REGISTER","proposal":"<uuid>","subject":..,...}}.
 * Key: {@code {"type":..,"subject":..,"proposal":..}}, unique per proposal, so compaction of the topic
 * never drops a record that replay needs (see the class comment of {@link SchemaStore}).
 */
final class CommandCodec {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A command as proposed by one request: {@code id} lets the proposer find its outcome. */
    record Proposal(String id, RegistryCommand<?> command) {
    }

    private CommandCodec() {
    }

    static String key(Proposal proposal) {
        ObjectNode key = JSON.createObjectNode()
                .put("type", type(proposal.command()))
                .put("subject", proposal.command().subject())
                .put("proposal", proposal.id());
        return key.toString();
    }

    static String value(Proposal proposal) {
        RegistryCommand<?> command = proposal.command();
        ObjectNode value = JSON.createObjectNode()
                .put("type", type(command))
                .put("proposal", proposal.id())
                .put("subject", command.subject());
        if (command instanceof Register register) {
            value.put("schema", register.schema());
        } else if (command instanceof DeleteVersion delete) {
            value.put("version", delete.version()).put("permanent", delete.permanent());
        } else if (command instanceof DeleteSubject delete) {
            value.put("permanent", delete.permanent());
        } else if (command instanceof SetConfig set) {
            value.put("compatibility", set.level().name());
        }
        return value.toString();
    }

    private static String type(RegistryCommand<?> command) {
        if (command instanceof Register) {
            return "REGISTER";
        } else if (command instanceof DeleteVersion) {
            return "DELETE_VERSION";
        } else if (command instanceof DeleteSubject) {
            return "DELETE_SUBJECT";
        } else if (command instanceof SetConfig) {
            return "SET_CONFIG";
        }
        return "DELETE_CONFIG";
    }

    /** The proposal in a record value; {@link IllegalArgumentException} saying why if it is not one. */
    static Proposal decode(String value) {
        if (value == null) {
            throw new IllegalArgumentException("tombstone");
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        String type = node.path("type").asText("");
        String id = node.path("proposal").asText("");
        JsonNode subjectNode = node.get("subject");
        String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
        if (id.isEmpty() || (subject == null && !type.equals("SET_CONFIG"))) {
            throw new IllegalArgumentException("missing proposal id or subject in " + type + " record");
        }
        RegistryCommand<?> command = switch (type) {
            case "REGISTER" -> new Register(subject, node.path("schema").asText());
            case "DELETE_VERSION" -> new DeleteVersion(subject, node.path("version").asInt(), node.path("permanent").asBoolean());
            case "DELETE_SUBJECT" -> new DeleteSubject(subject, node.path("permanent").asBoolean());
            case "SET_CONFIG" -> new SetConfig(subject, level(node.path("compatibility").asText()));
            case "DELETE_CONFIG" -> new DeleteConfig(subject);
            default -> throw new IllegalArgumentException("unknown record type '" + type + "'");
        };
        return new Proposal(id, command);
    }

    private static CompatibilityLevel level(String text) {
        try {
            return CompatibilityLevel.parse(text);
        } catch (RegistryError e) {
            throw new IllegalArgumentException("unknown compatibility level '" + text + "' in SET_CONFIG record");
        }
    }
}
