package io.nuri.control;

/** "1st", "2nd", "3rd", "11th" for event messages. */
final class Ordinals {
    private Ordinals() {}

    static String of(int n) {
        int mod100 = n % 100;
        if (mod100 >= 11 && mod100 <= 13) {
            return n + "th";
        }
        return switch (n % 10) {
            case 1 -> n + "st";
            case 2 -> n + "nd";
            case 3 -> n + "rd";
            default -> n + "th";
        };
    }
}
