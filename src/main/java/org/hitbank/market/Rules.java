package org.hitbank.market;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.hitbank.base.Cents;
import org.hitbank.base.Limits;
import org.hitbank.base.XmlText;
import org.hitbank.market.Model.BonusRequest;
import org.hitbank.market.Model.HITSpec;
import org.hitbank.market.Model.HITTypeSpec;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;

/**
 * MTurk's documented limits that the API model does not carry (MTURK-NOTES §4.1, §5.2, §6.2),
 * checked before any transaction starts. Each failure is a
 * {@link MarketException.Kind#INVALID_PARAMETER}. Stateless.
 */
final class Rules {
    /** Root elements MTurk accepts in {@code Question}, by namespace-less local name. */
    private static final Set<String> QUESTION_ROOTS =
            Set.of("ExternalQuestion", "HTMLQuestion", "QuestionForm");

    private Rules() {
    }

    static void checkHITType(HITTypeSpec spec) {
        checkText("Title", spec.title(), 1, Limits.TITLE_CHARS_MAX);
        checkText("Description", spec.description(), 1, Limits.DESCRIPTION_CHARS_MAX);
        if (spec.keywords() != null) {
            checkText("Keywords", spec.keywords(), 0, Limits.KEYWORDS_CHARS_MAX);
        }
        if (spec.rewardCents() < 1) {
            throw MarketException.invalidParameter("Reward", Cents.toDollars(spec.rewardCents()),
                    "The reward must be at least $0.01.");
        }
        checkRange("AssignmentDurationInSeconds", spec.assignmentDurationSeconds(),
                Limits.DURATION_SECONDS_MIN, Limits.DURATION_SECONDS_MAX);
        checkRange("AutoApprovalDelayInSeconds", spec.autoApprovalDelaySeconds(), 0,
                Limits.AUTO_APPROVAL_DELAY_SECONDS_MAX);
    }

    static void checkHIT(HITSpec spec) {
        checkRange("MaxAssignments", spec.maxAssignments(), 1, Limits.MAX_ASSIGNMENTS_MAX);
        checkRange("LifetimeInSeconds", spec.lifetimeSeconds(), Limits.DURATION_SECONDS_MIN,
                Limits.DURATION_SECONDS_MAX);
        if (spec.requesterAnnotation() != null) {
            checkText("RequesterAnnotation", spec.requesterAnnotation(), 0,
                    Limits.REQUESTER_ANNOTATION_CHARS_MAX);
        }
        checkQuestion(spec.question());
    }

    /**
     * A HIT's liability, {@code maxAssignments × slotCents}, must stay within the largest amount
     * Hitbank handles.
     */
    static void checkLiability(long maxAssignments, long slotCents) {
        if (slotCents > Cents.AMOUNT_CENTS_MAX / maxAssignments) {
            throw MarketException.invalid("MaxAssignments", "MaxAssignments " + maxAssignments
                    + " × (Reward + fee) exceeds $" + Cents.toDollars(Cents.AMOUNT_CENTS_MAX)
                    + ", the largest amount Hitbank handles.");
        }
    }

    static void checkBonus(BonusRequest request, Limits limits) {
        if (request.bonusCents() == 0) {
            throw MarketException.invalidParameter("BonusAmount", "0.00",
                    "A bonus must be more than $0.00.");
        }
        if (limits.bonusCentsMax() > 0 && request.bonusCents() > limits.bonusCentsMax()) {
            throw MarketException.invalidParameter("BonusAmount",
                    Cents.toDollars(request.bonusCents()), "A bonus may be at most $"
                            + Cents.toDollars(limits.bonusCentsMax()) + ".");
        }
        if (request.reason().isBlank()) {
            throw MarketException.invalidParameter("Reason", request.reason(),
                    "The reason must not be empty.");
        }
        checkText("Reason", request.reason(), 1, Limits.REASON_CHARS_MAX);
    }

    /** RequesterFeedback: at most 1,024 characters, none that XML forbids (ASCII 0-8 etc.). */
    static void checkFeedback(String feedback) {
        if (feedback != null) {
            checkText("RequesterFeedback", feedback, 0, Limits.REQUESTER_FEEDBACK_CHARS_MAX);
        }
    }

    /**
     * The Question must be at most 65,535 bytes of well-formed XML whose root is an
     * ExternalQuestion, HTMLQuestion or QuestionForm (MTURK-NOTES §6.2).
     */
    static void checkQuestion(String question) {
        if (question == null) {
            throw MarketException.invalidParameter("Question", "null",
                    "Either a Question parameter or a HITLayoutId parameter must be provided;"
                            + " Hitbank supports Question only.");
        }
        int bytes = question.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.QUESTION_BYTES_MAX) {
            throw MarketException.invalid("Question", "The Question is "
                    + bytes + " bytes; it may be at most " + Limits.QUESTION_BYTES_MAX + ".");
        }
        Document document;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            var builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            document = builder.parse(new InputSource(new StringReader(question)));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        } catch (org.xml.sax.SAXException | java.io.IOException e) {
            throw MarketException.invalid("Question",
                    "The Question is not well-formed XML: " + e.getMessage());
        }
        if (!"1.0".equals(document.getXmlVersion())) {
            throw MarketException.invalid("Question", "The Question must be XML 1.0, not "
                    + document.getXmlVersion() + ".");
        }
        Element root = document.getDocumentElement();
        if (!QUESTION_ROOTS.contains(root.getLocalName())) {
            throw MarketException.invalid("Question", "The Question's root"
                    + " element must be ExternalQuestion, HTMLQuestion or QuestionForm, not "
                    + root.getLocalName() + ".");
        }
        String content = switch (root.getLocalName()) {
            case "ExternalQuestion" -> "ExternalURL";
            case "HTMLQuestion" -> "HTMLContent";
            default -> null;
        };
        if (content != null && root.getElementsByTagNameNS("*", content).getLength() == 0) {
            throw MarketException.invalid("Question", "The " + root.getLocalName()
                    + " has no " + content + " element.");
        }
    }

    /**
     * A text parameter: {@code min..max} characters (code points), each one that XML 1.0 allows,
     * so that it survives storage and every document it is put into (no NUL, no lone surrogate).
     */
    private static void checkText(String parameter, String value, int min, int max) {
        int length = value.codePointCount(0, value.length());
        if (length < min || length > max) {
            throw MarketException.invalid(parameter, "The value of " + parameter
                    + " has " + length + " characters; it must have " + min + " to " + max
                    + ".");
        }
        int invalid = XmlText.firstInvalidCodePoint(value);
        if (invalid >= 0) {
            throw MarketException.invalid(parameter, String.format("The value of %s contains"
                    + " the character U+%04X, which is not allowed.", parameter, invalid));
        }
    }

    private static void checkRange(String parameter, long value, long min, long max) {
        if (value < min || value > max) {
            throw MarketException.outOfRange(parameter, value, min, max);
        }
    }
}
