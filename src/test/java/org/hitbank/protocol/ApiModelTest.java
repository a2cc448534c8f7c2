package org.hitbank.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request validation driven by the bundled botocore model. Expected messages are exact: the
 * Coral ones are quoted from real MTurk responses where MTURK-NOTES §1.1 and §11 have them.
 * Bodies are written with single quotes, turned into JSON by {@link #json}.
 */
class ApiModelTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ApiModel MODEL = ApiModel.load();

    private static final String SEND_BONUS_VALID = "'WorkerId':'A143XRCI1YXAFE',"
            + "'BonusAmount':'0.50','AssignmentId':'3X1FV8S5J09OQY1JC80W57HTHFJGVM',"
            + "'Reason':'Thanks'";
    private static final String CREATE_HIT_VALID = "'LifetimeInSeconds':600,"
            + "'AssignmentDurationInSeconds':300,'Reward':'0.10','Title':'T','Description':'D'";
    private static final String COMPARATORS = "[LessThan, LessThanOrEqualTo, GreaterThan, "
            + "GreaterThanOrEqualTo, EqualTo, NotEqualTo, Exists, DoesNotExist, In, NotIn]";
    private static final String CONSTRAINT = " failed to satisfy constraint: ";

    /** The 39 operations of MTURK-NOTES §3, listed independently of the model. */
    private static final List<String> OPERATIONS = List.of(
            "AcceptQualificationRequest", "ApproveAssignment",
            "AssociateQualificationWithWorker", "CreateAdditionalAssignmentsForHIT", "CreateHIT",
            "CreateHITType", "CreateHITWithHITType", "CreateQualificationType",
            "CreateWorkerBlock", "DeleteHIT", "DeleteQualificationType", "DeleteWorkerBlock",
            "DisassociateQualificationFromWorker", "GetAccountBalance", "GetAssignment",
            "GetFileUploadURL", "GetHIT", "GetQualificationScore", "GetQualificationType",
            "ListAssignmentsForHIT", "ListBonusPayments", "ListHITs",
            "ListHITsForQualificationType", "ListQualificationRequests", "ListQualificationTypes",
            "ListReviewPolicyResultsForHIT", "ListReviewableHITs", "ListWorkerBlocks",
            "ListWorkersWithQualificationType", "NotifyWorkers", "RejectAssignment",
            "RejectQualificationRequest", "SendBonus", "SendTestEventNotification",
            "UpdateExpirationForHIT", "UpdateHITReviewStatus", "UpdateHITTypeOfHIT",
            "UpdateNotificationSettings", "UpdateQualificationType");

    static Stream<Arguments> validationErrors() {
        String token65 = "x".repeat(65);
        String workerPattern = "Member must satisfy regular expression pattern: ^A[A-Z0-9]+$";
        return Stream.of(
                row("bonus with four decimals (Dallinger#1052)", "SendBonus",
                        "'WorkerId':'A1','BonusAmount':'0.9752','AssignmentId':'B2',"
                                + "'Reason':'r'",
                        "1 validation error detected: Value '0.9752' at 'bonusAmount'"
                                + CONSTRAINT + "Member must satisfy regular expression pattern:"
                                + " ^[0-9]+(\\.)?[0-9]{0,2}$"),
                row("missing Reason (boto3#1223)", "SendBonus",
                        "'WorkerId':'A1','BonusAmount':'1','AssignmentId':'B2'",
                        "1 validation error detected: Value null at 'reason'" + CONSTRAINT
                                + "Member must not be null"),
                row("JSON null counts as absent", "SendBonus",
                        "'WorkerId':'A1','BonusAmount':'1','AssignmentId':'B2','Reason':null",
                        "1 validation error detected: Value null at 'reason'" + CONSTRAINT
                                + "Member must not be null"),
                row("WorkerId pattern", "SendBonus",
                        SEND_BONUS_VALID.replace("A143XRCI1YXAFE", "bad-lower"),
                        "1 validation error detected: Value 'bad-lower' at 'workerId'"
                                + CONSTRAINT + workerPattern),
                row("UniqueRequestToken of 65 characters", "SendBonus",
                        SEND_BONUS_VALID + ",'UniqueRequestToken':'" + token65 + "'",
                        "1 validation error detected: Value '" + token65
                                + "' at 'uniqueRequestToken'" + CONSTRAINT
                                + "Member must have length less than or equal to 64"),
                row("UniqueRequestToken empty", "SendBonus",
                        SEND_BONUS_VALID + ",'UniqueRequestToken':''",
                        "1 validation error detected: Value '' at 'uniqueRequestToken'"
                                + CONSTRAINT + "Member must have length greater than or equal"
                                + " to 1"),
                row("empty EntityId breaks length and pattern, in that order", "GetHIT",
                        "'HITId':''",
                        "2 validation errors detected: Value '' at 'hITId'" + CONSTRAINT
                                + "Member must have length greater than or equal to 1; "
                                + "Value '' at 'hITId'" + CONSTRAINT
                                + "Member must satisfy regular expression pattern: "
                                + "^[A-Z0-9]+$"),
                row("MaxResults below min", "ListHITs", "'MaxResults':0",
                        "1 validation error detected: Value '0' at 'maxResults'" + CONSTRAINT
                                + "Member must have value greater than or equal to 1"),
                row("MaxResults above max", "ListHITs", "'MaxResults':101",
                        "1 validation error detected: Value '101' at 'maxResults'" + CONSTRAINT
                                + "Member must have value less than or equal to 100"),
                row("two errors in model member order", "SendBonus",
                        "'Reason':'r','BonusAmount':'1.005','WorkerId':'bad-lower',"
                                + "'AssignmentId':'B2'",
                        "2 validation errors detected: Value 'bad-lower' at 'workerId'"
                                + CONSTRAINT + workerPattern + "; Value '1.005' at 'bonusAmount'"
                                + CONSTRAINT + "Member must satisfy regular expression pattern:"
                                + " ^[0-9]+(\\.)?[0-9]{0,2}$"),
                row("nested enum, 1-based list index", "CreateHIT", CREATE_HIT_VALID
                                + ",'QualificationRequirements':["
                                + "{'QualificationTypeId':'00000000000000000071',"
                                + "'Comparator':'EqualTo','IntegerValues':[1]},"
                                + "{'QualificationTypeId':'X','Comparator':'Bigger'}]",
                        "1 validation error detected: Value 'Bigger' at "
                                + "'qualificationRequirements.2.member.comparator'" + CONSTRAINT
                                + "Member must satisfy enum value set: " + COMPARATORS),
                row("nested required member", "CreateHIT", CREATE_HIT_VALID
                                + ",'QualificationRequirements':[{'QualificationTypeId':'X'}]",
                        "1 validation error detected: Value null at "
                                + "'qualificationRequirements.1.member.comparator'" + CONSTRAINT
                                + "Member must not be null"),
                row("two levels of lists", "CreateHIT", CREATE_HIT_VALID
                                + ",'QualificationRequirements':[{'QualificationTypeId':'X',"
                                + "'Comparator':'In','LocaleValues':[{'Country':'USA'}]}]",
                        "1 validation error detected: Value 'USA' at "
                                + "'qualificationRequirements.1.member.localeValues.1.member"
                                + ".country'" + CONSTRAINT
                                + "Member must have length less than or equal to 2"),
                row("list of enums reports the element", "ListAssignmentsForHIT",
                        "'HITId':'H1','AssignmentStatuses':['Approved','Bogus']",
                        "1 validation error detected: Value 'Bogus' at "
                                + "'assignmentStatuses.2.member'" + CONSTRAINT
                                + "Member must satisfy enum value set: "
                                + "[Submitted, Approved, Rejected]"),
                row("null list element", "NotifyWorkers",
                        "'Subject':'s','MessageText':'m','WorkerIds':['A1',null]",
                        "1 validation error detected: Value null at 'workerIds.2.member'"
                                + CONSTRAINT + "Member must not be null"),
                row("every required member of CreateHIT", "CreateHIT", "",
                        "5 validation errors detected: "
                                + "Value null at 'lifetimeInSeconds'" + CONSTRAINT
                                + "Member must not be null; "
                                + "Value null at 'assignmentDurationInSeconds'" + CONSTRAINT
                                + "Member must not be null; "
                                + "Value null at 'reward'" + CONSTRAINT
                                + "Member must not be null; "
                                + "Value null at 'title'" + CONSTRAINT
                                + "Member must not be null; "
                                + "Value null at 'description'" + CONSTRAINT
                                + "Member must not be null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validationErrors")
    void rejectsConstraintViolations(String name, String operation, String body,
                                     String message) {
        assertError(operation, body, "ValidationException", message);
    }

    static Stream<Arguments> serializationErrors() {
        return Stream.of(
                row("string for integer", "CreateHIT", CREATE_HIT_VALID + ",'MaxAssignments':'3'",
                        "Value at 'maxAssignments' must be an integer."),
                row("float for integer", "CreateHIT", CREATE_HIT_VALID + ",'MaxAssignments':3.0",
                        "Value at 'maxAssignments' must be an integer."),
                row("integer overflow", "CreateHIT",
                        CREATE_HIT_VALID + ",'MaxAssignments':3000000000",
                        "Value at 'maxAssignments' must be an integer."),
                row("string for long", "CreateHIT",
                        CREATE_HIT_VALID.replace("600", "'600'"),
                        "Value at 'lifetimeInSeconds' must be a long."),
                row("timestamp as string", "UpdateExpirationForHIT",
                        "'HITId':'H1','ExpireAt':'2024-01-01T00:00:00Z'",
                        "Value at 'expireAt' must be a number of epoch seconds."),
                row("number for string", "GetHIT", "'HITId':12",
                        "Value at 'hITId' must be a string."),
                row("string for boolean", "ApproveAssignment",
                        "'AssignmentId':'A1','OverrideRejection':'true'",
                        "Value at 'overrideRejection' must be a boolean."),
                row("object for list", "ListAssignmentsForHIT",
                        "'HITId':'H1','AssignmentStatuses':{'0':'Approved'}",
                        "Value at 'assignmentStatuses' must be a list (JSON array)."),
                row("string for structure", "SendTestEventNotification",
                        "'Notification':'x','TestEventType':'Ping'",
                        "Value at 'notification' must be a structure (JSON object)."),
                row("nested list element type", "CreateHIT", CREATE_HIT_VALID
                                + ",'QualificationRequirements':[{'QualificationTypeId':'X',"
                                + "'Comparator':'In','IntegerValues':[1,'2']}]",
                        "Value at 'qualificationRequirements.1.member.integerValues.2.member'"
                                + " must be an integer."),
                row("type error wins over an earlier constraint violation", "CreateHIT",
                        CREATE_HIT_VALID.replace("'0.10'", "'x'").replace("'T'", "5"),
                        "Value at 'title' must be a string."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serializationErrors")
    void rejectsWrongJsonTypes(String name, String operation, String body, String message) {
        assertError(operation, body, "SerializationException", message);
    }

    static Stream<Arguments> validBodies() {
        return Stream.of(
                Arguments.of("SendBonus", SEND_BONUS_VALID),
                Arguments.of("SendBonus", SEND_BONUS_VALID
                        + ",'UniqueRequestToken':'" + "x".repeat(64) + "'"),
                // 64 code points, 128 UTF-16 chars: lengths count code points.
                Arguments.of("SendBonus", SEND_BONUS_VALID
                        + ",'UniqueRequestToken':'" + "\uD83D\uDE00".repeat(64) + "'"),
                Arguments.of("SendBonus", SEND_BONUS_VALID.replace("0.50", "5.")),
                Arguments.of("SendBonus", SEND_BONUS_VALID + ",'Unknown':{'ignored':true}"),
                Arguments.of("SendBonus", SEND_BONUS_VALID + ",'UniqueRequestToken':null"),
                Arguments.of("CreateHIT", CREATE_HIT_VALID),
                Arguments.of("CreateHIT", CREATE_HIT_VALID + ",'MaxAssignments':3,"
                        + "'Keywords':'k','Question':'<q/>','QualificationRequirements':["
                        + "{'QualificationTypeId':'00000000000000000071','Comparator':'In',"
                        + "'LocaleValues':[{'Country':'US'},{'Country':'US',"
                        + "'Subdivision':'NY'}],'RequiredToPreview':true,"
                        + "'ActionsGuarded':'Accept'},"
                        + "{'QualificationTypeId':'000000000000000000L0',"
                        + "'Comparator':'GreaterThanOrEqualTo','IntegerValues':[95]}]"),
                Arguments.of("ListHITs", ""),
                Arguments.of("ListHITs", "'MaxResults':1"),
                Arguments.of("ListHITs", "'MaxResults':100,'NextToken':'t'"),
                Arguments.of("ListAssignmentsForHIT",
                        "'HITId':'H1','AssignmentStatuses':['Submitted','Approved','Rejected']"),
                Arguments.of("UpdateExpirationForHIT", "'HITId':'H1','ExpireAt':0"),
                Arguments.of("UpdateExpirationForHIT", "'HITId':'H1','ExpireAt':1700000000.25"),
                Arguments.of("GetAccountBalance", ""));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("validBodies")
    void acceptsValidBodies(String operation, String body) {
        assertThatCode(() -> MODEL.validate(operation, json(body))).doesNotThrowAnyException();
    }

    @Test
    void listsAtMostTenViolationsButCountsAll() {
        List<String> workers = new ArrayList<>();
        for (int index = 1; index <= 12; index++) {
            workers.add("'w" + index + "'");
        }
        String body = "'Subject':'s','MessageText':'m','WorkerIds':[" + String.join(",", workers)
                + "]";
        AwsErrorException error = catchThrowableOfType(AwsErrorException.class,
                () -> MODEL.validate("NotifyWorkers", json(body)));
        assertThat(error.type()).isEqualTo("ValidationException");
        String message = error.getMessage();
        assertThat(message).startsWith("12 validation errors detected: Value 'w1' at "
                + "'workerIds.1.member'" + CONSTRAINT
                + "Member must satisfy regular expression pattern: ^A[A-Z0-9]+$; ");
        assertThat(message.split("; ")).hasSize(10);
        assertThat(message).contains("'workerIds.10.member'").doesNotContain("'w11'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "3", "null"})
    void rejectsBodiesThatAreNotObjects(String body) throws JsonProcessingException {
        JsonNode node = MAPPER.readTree(body);
        assertThat(catchThrowableOfType(AwsErrorException.class,
                () -> MODEL.validate("ListHITs", node)))
                .satisfies(error -> assertThat(error.type()).isEqualTo("SerializationException"))
                .satisfies(error -> assertThat(error.httpStatus()).isEqualTo(400))
                .hasMessage("Request body must be a JSON object.");
    }

    @Test
    void rejectsAMissingBody() {
        assertThat(catchThrowableOfType(AwsErrorException.class,
                () -> MODEL.validate("ListHITs", null)))
                .satisfies(error -> assertThat(error.type()).isEqualTo("SerializationException"))
                .hasMessage("Request body must be a JSON object.");
    }

    @Test
    void rejectsUnknownOperations() {
        AwsErrorException error = catchThrowableOfType(AwsErrorException.class,
                () -> MODEL.validate("Nope", json("")));
        assertThat(error.type()).isEqualTo("UnknownOperationException");
        assertThat(error.httpStatus()).isEqualTo(400);
    }

    @Test
    void knowsAllThirtyNineOperations() {
        assertThat(OPERATIONS).hasSize(39).doesNotHaveDuplicates();
        assertThat(OPERATIONS).allSatisfy(operation ->
                assertThat(MODEL.hasOperation(operation)).as(operation).isTrue());
        assertThat(MODEL.hasOperation("Nope")).isFalse();
        assertThat(MODEL.hasOperation("sendBonus")).isFalse();
        assertThat(MODEL.hasOperation(null)).isFalse();
    }

    @Test
    void exposesTargetPrefixAndLoadsOnce() {
        assertThat(MODEL.targetPrefix()).isEqualTo("MTurkRequesterServiceV20170117");
        assertThat(ApiModel.load()).isSameAs(MODEL);
    }

    private static void assertError(String operation, String body, String type,
                                    String message) {
        AwsErrorException error = catchThrowableOfType(AwsErrorException.class,
                () -> MODEL.validate(operation, json(body)));
        assertThat(error).as("expected %s", type).isNotNull();
        assertThat(error.type()).isEqualTo(type);
        assertThat(error.httpStatus()).isEqualTo(400);
        assertThat(error.getMessage()).isEqualTo(message);
    }

    private static Arguments row(String name, String operation, String body, String message) {
        return Arguments.of(name, operation, body, message);
    }

    /** {@code "'A':1"} becomes the object {@code {"A":1}}. */
    private static JsonNode json(String members) {
        try {
            return MAPPER.readTree("{" + members.replace('\'', '"') + "}");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void knownMembers_dropsWhatTheModelDoesNotName_atEveryDepth() throws Exception {
        JsonNode input = MAPPER.readTree("{\"HITId\":\"X\",\"Evil\":1,"
                + "\"QualificationRequirements\":[{\"QualificationTypeId\":\"Q\","
                + "\"Comparator\":\"In\",\"Evil\":{\"a\":1},"
                + "\"LocaleValues\":[{\"Country\":\"US\",\"Evil\":2}]}]}");
        assertThat(MODEL.knownMembers("CreateHIT", input)).isEqualTo(MAPPER.readTree(
                "{\"QualificationRequirements\":[{\"QualificationTypeId\":\"Q\","
                        + "\"Comparator\":\"In\",\"LocaleValues\":[{\"Country\":\"US\"}]}]}"));
    }
}
