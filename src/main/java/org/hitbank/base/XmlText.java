package org.hitbank.base;

/**
 * Which characters text may hold: those XML 1.0 allows (tab, newline, carriage return, and
 * U+0020 to U+10FFFF without surrogates, U+FFFE and U+FFFF). Text Hitbank stores ends up in XML
 * documents (Question, QuestionFormAnswers) and in JSON, so other characters are refused.
 */
public final class XmlText {
    private XmlText() {
    }

    /** The first code point of {@code text} that XML 1.0 does not allow, or -1 if none. */
    public static int firstInvalidCodePoint(String text) {
        return text.codePoints().filter(c -> !(c == 0x9 || c == 0xA || c == 0xD
                || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                || (c >= 0x10000 && c <= 0x10FFFF))).findFirst().orElse(-1);
    }
}
