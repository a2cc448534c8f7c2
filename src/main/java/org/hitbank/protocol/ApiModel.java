package org.hitbank.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hitbank.base.Check;

/**
 * The MTurk Requester API model (botocore {@code service-2.json}, mturk 2017-01-17, bundled as the
 * classpath resource {@value #RESOURCE}) and the request-body validation it drives
 * (MTURK-NOTES §1.1, §2).
 *
 * <p>Every constraint comes from the model's shapes: required members, the types {@code string},
 * {@code integer}, {@code long}, {@code boolean}, {@code timestamp}, {@code list} and
 * {@code structure}, {@code min}/{@code max} (string length in code points, list size, integer
 * value), {@code pattern} and {@code enum}. Nothing is hand-copied.
 *
 * <p>Immutable and thread-safe: every field is final and holds immutable collections, compiled
 * {@link Pattern}s (themselves thread-safe) and records; validation state lives on the stack.
 */
public final class ApiModel {
    private static final String RESOURCE = "/mturk-service-2.json";
    /** Coral lists every violation; Hitbank lists at most this many but counts them all. */
    static final int VIOLATIONS_LISTED_MAX = 10;

    private final String targetPrefix;
    /** Operation name to its input shape; an empty structure for an operation without input. */
    private final Map<String, StructureShape> inputShapeByOperation;
    /** Every shape of the model by name; lists and structures refer to their members by name. */
    private final Map<String, Shape> shapes;

    private ApiModel(String targetPrefix, Map<String, StructureShape> inputShapeByOperation,
                     Map<String, Shape> shapes) {
        this.targetPrefix = targetPrefix;
        this.inputShapeByOperation = inputShapeByOperation;
        this.shapes = shapes;
    }

    /**
     * Loads the bundled model (classpath {@value #RESOURCE}). The model is parsed once per JVM and
     * the same immutable instance is returned on every call.
     *
     * @throws IllegalStateException when the resource is missing or is not a model this class
     *     understands (a build error, never bad input)
     */
    public static ApiModel load() {
        return Bundled.MODEL;
    }

    /** The model's {@code metadata.targetPrefix}, {@code "MTurkRequesterServiceV20170117"}. */
    public String targetPrefix() {
        return targetPrefix;
    }

    /**
     * True when the model has an operation of exactly that name, e.g. {@code "SendBonus"};
     * false for null.
     */
    public boolean hasOperation(String operation) {
        return operation != null && inputShapeByOperation.containsKey(operation);
    }

    /**
     * Checks a parsed request body against the input shape of {@code operation}. Members the
     * shape does not name are ignored; a JSON {@code null} member counts as absent. The check
     * runs in two tiers: a JSON type error anywhere wins over every constraint violation.
     *
     * <p>Errors, all HTTP 400, in this order of precedence:
     * <ul>
     *   <li>{@code UnknownOperationException} when the model has no such operation;</li>
     *   <li>{@code SerializationException} when the body is not a JSON object (Java null
     *       included) with {@code Request body must be a JSON object.}, or when a member has the
     *       wrong JSON type, naming the first such member in model order, depth first:
     *       {@code Value at 'maxAssignments' must be an integer.} (also {@code a long},
     *       {@code a string}, {@code a boolean}, {@code a number of epoch seconds},
     *       {@code a list (JSON array)}, {@code a structure (JSON object)});</li>
     *   <li>{@code ValidationException} with AWS Coral's message, e.g. {@code 2 validation errors
     *       detected: Value null at 'reason' failed to satisfy constraint: Member must not be
     *       null; Value '0' at 'maxResults' failed to satisfy constraint: Member must have value
     *       greater than or equal to 1}, violations in model member order, depth first, list
     *       elements as {@code member.1.member}; at most {@value #VIOLATIONS_LISTED_MAX} are
     *       listed, all are counted.</li>
     * </ul>
     *
     * @param operation an operation name such as {@code "SendBonus"}
     * @param input the parsed request body
     * @throws AwsErrorException (400) on the first failures; returns normally when valid
     */
    public void validate(String operation, JsonNode input) {
        if (!hasOperation(operation)) {
            throw AwsErrorException.aws("UnknownOperationException", 400,
                    "Unknown operation: " + operation);
        }
        if (input == null || !input.isObject()) {
            throw AwsErrorException.aws("SerializationException", 400,
                    "Request body must be a JSON object.");
        }
        Violations violations = new Violations();
        checkStructure(inputShapeByOperation.get(operation), input, "", violations);
        if (violations.count > 0) {
            throw AwsErrorException.aws("ValidationException", 400, violations.message());
        }
    }

    /**
     * A copy of a body that {@link #validate} accepted, keeping at every depth only the members
     * the model names, so that what Hitbank stores and echoes (QualificationRequirements, say) is
     * what the API defines.
     */
    public JsonNode knownMembers(String operation, JsonNode input) {
        return prune(inputShapeByOperation.get(operation), input);
    }

    private JsonNode prune(Shape shape, JsonNode node) {
        return switch (shape) {
            case StructureShape structure -> {
                ObjectNode out = JsonNodeFactory.instance.objectNode();
                for (Member member : structure.members()) {
                    JsonNode value = node.get(member.name());
                    if (value != null && !value.isNull()) {
                        out.set(member.name(), prune(shapes.get(member.shapeName()), value));
                    }
                }
                yield out;
            }
            case ListShape list -> {
                ArrayNode out = JsonNodeFactory.instance.arrayNode();
                for (JsonNode element : node) {
                    out.add(prune(shapes.get(list.memberShapeName()), element));
                }
                yield out;
            }
            default -> node;
        };
    }

    // ---------------------------------------------------------------------------------------
    // Validation

    private void checkValue(String shapeName, JsonNode node, String path, Violations violations) {
        switch (shapes.get(shapeName)) {
            case StringShape string -> checkString(string, node, path, violations);
            case NumberShape number -> checkNumber(number, node, path, violations);
            case BooleanShape ignored -> {
                if (!node.isBoolean()) {
                    throw typeError(path, "a boolean");
                }
            }
            case TimestampShape ignored -> {
                // JSON 1.1 timestamps are epoch seconds, integral or fractional (MTURK-NOTES §1).
                if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
                    throw typeError(path, "a number of epoch seconds");
                }
            }
            case ListShape list -> checkList(list, node, path, violations);
            case StructureShape structure -> {
                if (!node.isObject()) {
                    throw typeError(path, "a structure (JSON object)");
                }
                checkStructure(structure, node, path, violations);
            }
        }
    }

    private void checkStructure(StructureShape structure, JsonNode node, String path,
                                Violations violations) {
        for (Member member : structure.members()) {
            String memberPath = path.isEmpty() ? member.pathName() : path + "." + member.pathName();
            JsonNode value = node.get(member.name());
            if (value == null || value.isNull()) {
                if (member.required()) {
                    violations.add("Value null at '" + memberPath
                            + "' failed to satisfy constraint: Member must not be null");
                }
            } else {
                checkValue(member.shapeName(), value, memberPath, violations);
            }
        }
    }

    private void checkString(StringShape shape, JsonNode node, String path,
                             Violations violations) {
        if (!node.isTextual()) {
            throw typeError(path, "a string");
        }
        String value = node.textValue();
        long length = value.codePointCount(0, value.length());
        if (shape.lengthMin() != null && length < shape.lengthMin()) {
            violations.add(value, path, "Member must have length greater than or equal to "
                    + shape.lengthMin());
        }
        if (shape.lengthMax() != null && length > shape.lengthMax()) {
            violations.add(value, path, "Member must have length less than or equal to "
                    + shape.lengthMax());
        }
        if (shape.pattern() != null && !shape.pattern().matcher(value).matches()) {
            violations.add(value, path, "Member must satisfy regular expression pattern: "
                    + shape.pattern().pattern());
        }
        if (shape.enumValues() != null && !shape.enumValues().contains(value)) {
            violations.add(value, path, "Member must satisfy enum value set: "
                    + shape.enumListing());
        }
    }

    private static void checkNumber(NumberShape shape, JsonNode node, String path,
                                    Violations violations) {
        boolean fits = node.isIntegralNumber()
                && (shape.isLong() ? node.canConvertToLong() : node.canConvertToInt());
        if (!fits) {
            throw typeError(path, shape.isLong() ? "a long" : "an integer");
        }
        long value = node.longValue();
        if (shape.valueMin() != null && value < shape.valueMin()) {
            violations.add(Long.toString(value), path,
                    "Member must have value greater than or equal to " + shape.valueMin());
        }
        if (shape.valueMax() != null && value > shape.valueMax()) {
            violations.add(Long.toString(value), path,
                    "Member must have value less than or equal to " + shape.valueMax());
        }
    }

    private void checkList(ListShape shape, JsonNode node, String path, Violations violations) {
        if (!node.isArray()) {
            throw typeError(path, "a list (JSON array)");
        }
        int size = node.size();
        if (shape.sizeMin() != null && size < shape.sizeMin()) {
            violations.add(listing(node), path,
                    "Member must have length greater than or equal to " + shape.sizeMin());
        }
        if (shape.sizeMax() != null && size > shape.sizeMax()) {
            violations.add(listing(node), path,
                    "Member must have length less than or equal to " + shape.sizeMax());
        }
        // Bounded: the body, and so the array, is bounded by the request size limit.
        for (int index = 0; index < size; index++) {
            String elementPath = path + "." + (index + 1) + ".member";
            JsonNode element = node.get(index);
            if (element.isNull()) {
                violations.add("Value null at '" + elementPath
                        + "' failed to satisfy constraint: Member must not be null");
            } else {
                checkValue(shape.memberShapeName(), element, elementPath, violations);
            }
        }
    }

    /** Coral renders a list value as {@code [a, b]}; scalars by their text, others as JSON. */
    private static String listing(JsonNode array) {
        List<String> elements = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            elements.add(element.isValueNode() ? element.asText() : element.toString());
        }
        return elements.toString();
    }

    private static AwsErrorException typeError(String path, String expected) {
        return AwsErrorException.aws("SerializationException", 400,
                "Value at '" + path + "' must be " + expected + ".");
    }

    /** The violations of one request: all counted, the first few kept. Confined to one call. */
    private static final class Violations {
        private final List<String> listed = new ArrayList<>(VIOLATIONS_LISTED_MAX);
        private int count;

        void add(String value, String path, String constraint) {
            add("Value '" + value + "' at '" + path + "' failed to satisfy constraint: "
                    + constraint);
        }

        void add(String violation) {
            count++;
            if (listed.size() < VIOLATIONS_LISTED_MAX) {
                listed.add(violation);
            }
        }

        String message() {
            Check.that(count > 0 && !listed.isEmpty(), "no violations to report");
            String head = count == 1 ? "1 validation error detected: "
                    : count + " validation errors detected: ";
            return head + String.join("; ", listed);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Shapes

    private sealed interface Shape
            permits StringShape, NumberShape, BooleanShape, TimestampShape, ListShape,
                    StructureShape {
    }

    /** Length bounds in code points; {@code enumListing} is Coral's {@code [A, B]} rendering. */
    private record StringShape(Long lengthMin, Long lengthMax, Pattern pattern,
                               Set<String> enumValues, String enumListing) implements Shape {
    }

    private record NumberShape(boolean isLong, Long valueMin, Long valueMax) implements Shape {
    }

    private record BooleanShape() implements Shape {
    }

    private record TimestampShape() implements Shape {
    }

    private record ListShape(String memberShapeName, Long sizeMin, Long sizeMax)
            implements Shape {
    }

    private record StructureShape(List<Member> members) implements Shape {
    }

    /** {@code pathName} is Coral's path segment: the name with its first character lower-cased. */
    private record Member(String name, String pathName, String shapeName, boolean required) {
    }

    // ---------------------------------------------------------------------------------------
    // Loading

    private static final class Bundled {
        static final ApiModel MODEL = parse(readResource());
    }

    private static JsonNode readResource() {
        try (InputStream stream = ApiModel.class.getResourceAsStream(RESOURCE)) {
            Check.that(stream != null, "classpath resource %s is missing", RESOURCE);
            return new ObjectMapper().readTree(stream);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static ApiModel parse(JsonNode model) {
        String targetPrefix = model.path("metadata").path("targetPrefix").asText("");
        Check.that(!targetPrefix.isEmpty(), "model has no metadata.targetPrefix");

        Map<String, Shape> shapes = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : model.path("shapes").properties()) {
            shapes.put(entry.getKey(), parseShape(entry.getKey(), entry.getValue()));
        }
        Check.that(!shapes.isEmpty(), "model has no shapes");
        shapes.forEach((name, shape) -> checkReferences(name, shape, shapes));

        Map<String, StructureShape> inputs = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : model.path("operations").properties()) {
            JsonNode input = entry.getValue().path("input").path("shape");
            Shape inputShape = input.isTextual()
                    ? shapes.get(input.textValue()) : new StructureShape(List.of());
            Check.that(inputShape instanceof StructureShape,
                    "operation %s: input %s is not a structure", entry.getKey(), input);
            inputs.put(entry.getKey(), (StructureShape) inputShape);
        }
        Check.that(!inputs.isEmpty(), "model has no operations");
        return new ApiModel(targetPrefix, Map.copyOf(inputs), Map.copyOf(shapes));
    }

    private static Shape parseShape(String name, JsonNode shape) {
        String type = shape.path("type").asText("");
        return switch (type) {
            case "string" -> parseString(shape);
            case "integer", "long" -> new NumberShape(type.equals("long"),
                    bound(shape, "min"), bound(shape, "max"));
            case "boolean" -> new BooleanShape();
            case "timestamp" -> new TimestampShape();
            case "list" -> new ListShape(shape.path("member").path("shape").asText(""),
                    bound(shape, "min"), bound(shape, "max"));
            case "structure" -> parseStructure(shape);
            default -> throw new IllegalStateException(
                    "check failed: shape " + name + " has unsupported type '" + type + "'");
        };
    }

    private static StringShape parseString(JsonNode shape) {
        JsonNode pattern = shape.get("pattern");
        JsonNode enumNode = shape.get("enum");
        Set<String> enumValues = null;
        String enumListing = null;
        if (enumNode != null) {
            List<String> values = new ArrayList<>();
            enumNode.forEach(value -> values.add(value.asText()));
            enumValues = Set.copyOf(values);
            enumListing = values.toString();
        }
        return new StringShape(bound(shape, "min"), bound(shape, "max"),
                pattern == null ? null : Pattern.compile(pattern.asText()),
                enumValues, enumListing);
    }

    private static StructureShape parseStructure(JsonNode shape) {
        Set<String> required = new HashSet<>();
        shape.path("required").forEach(name -> required.add(name.asText()));
        List<Member> members = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : shape.path("members").properties()) {
            String name = entry.getKey();
            String pathName = Character.toLowerCase(name.charAt(0)) + name.substring(1);
            members.add(new Member(name, pathName,
                    entry.getValue().path("shape").asText(""), required.contains(name)));
        }
        for (String name : required) {
            Check.that(members.stream().anyMatch(member -> member.name().equals(name)),
                    "required member %s is not a member", name);
        }
        return new StructureShape(List.copyOf(members));
    }

    private static Long bound(JsonNode shape, String key) {
        JsonNode value = shape.get(key);
        if (value == null) {
            return null;
        }
        Check.that(value.isIntegralNumber(), "%s is not an integer: %s", key, value);
        return value.longValue();
    }

    private static void checkReferences(String name, Shape shape, Map<String, Shape> shapes) {
        switch (shape) {
            case ListShape list -> Check.that(shapes.containsKey(list.memberShapeName()),
                    "list %s: unknown member shape %s", name, list.memberShapeName());
            case StructureShape structure -> structure.members().forEach(member ->
                    Check.that(shapes.containsKey(member.shapeName()),
                            "structure %s: member %s has unknown shape %s",
                            name, member.name(), member.shapeName()));
            default -> {
            }
        }
    }
}
