package io.esplink.springboot;

import io.esplink.camel.EspLinkComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.spring.boot.ComponentConfigurationProperties;
import org.apache.camel.spring.boot.util.CamelPropertiesHelper;
import org.apache.camel.spring.boot.util.ConditionalOnCamelContextAndAutoConfigurationBeans;
import org.apache.camel.spring.boot.util.ConditionalOnHierarchicalProperties;
import org.apache.camel.spring.boot.util.HierarchicalPropertiesEvaluator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigureAfter;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * Configures the esplink component from {@code camel.component.esplink.*} ({@link EspLinkComponentConfiguration}), as
 * Camel's starters do: a {@link ComponentCustomizer} copies every option that is set onto the component when Camel
 * creates it. {@code camel.component.esplink.enabled=false} turns it off, and so does
 * {@code camel.component.esplink.customizer.enabled=false} (or {@code camel.component.customizer.enabled=false}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(ConditionalOnCamelContextAndAutoConfigurationBeans.class)
@EnableConfigurationProperties({ ComponentConfigurationProperties.class, EspLinkComponentConfiguration.class })
@ConditionalOnHierarchicalProperties({ "camel.component", "camel.component.esplink" })
@AutoConfigureAfter({ CamelAutoConfiguration.class, EspLinkComponentConverter.class })
public class EspLinkComponentAutoConfiguration {

    @Autowired
    private ApplicationContext applicationContext;
    private final CamelContext camelContext;
    @Autowired
    private EspLinkComponentConfiguration configuration;

    public EspLinkComponentAutoConfiguration(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Lazy
    @Bean
    public ComponentCustomizer configureEspLinkComponent() {
        return new ComponentCustomizer() {
            @Override
            public void configure(String name, Component target) {
                CamelPropertiesHelper.copyProperties(camelContext, configuration, target);
            }

            @Override
            public boolean isEnabled(String name, Component target) {
                return HierarchicalPropertiesEvaluator.evaluate(applicationContext, "camel.component.customizer",
                        "camel.component.esplink.customizer")
                       && target instanceof EspLinkComponent;
            }
        };
    }
}
