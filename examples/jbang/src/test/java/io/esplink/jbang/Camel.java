package io.esplink.jbang;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/** The {@code camel} command: what Camel JBang's launcher script runs, Camel JBang's own entry point. */
public final class Camel {

    private Camel() {
    }

    public static void main(String[] args) {
        CamelJBangMain.run(args);
    }
}
