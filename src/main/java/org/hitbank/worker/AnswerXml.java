package org.hitbank.worker;

import java.io.StringWriter;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes answers as MTurk's QuestionFormAnswers XML, the format of {@code Assignment.Answer}:
 * one {@code <Answer>} per field with its {@code <QuestionIdentifier>} and {@code <FreeText>}.
 * Escaping is the JDK's StAX writer's. Stateless.
 */
final class AnswerXml {
    static final String NAMESPACE = "http://mechanicalturk.amazonaws.com/"
            + "AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd";
    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

    private AnswerXml() {
    }

    /** The answers, in the map's iteration order. */
    static String write(Map<String, String> answers) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter xml = FACTORY.createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeStartElement("QuestionFormAnswers");
            xml.writeDefaultNamespace(NAMESPACE);
            for (Map.Entry<String, String> answer : answers.entrySet()) {
                xml.writeStartElement("Answer");
                xml.writeStartElement("QuestionIdentifier");
                xml.writeCharacters(answer.getKey());
                xml.writeEndElement();
                xml.writeStartElement("FreeText");
                xml.writeCharacters(answer.getValue());
                xml.writeEndElement();
                xml.writeEndElement();
            }
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
