package dev.vae4j.recipes;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import dev.vae4j.core.model.ConfigEnums;
import java.io.IOException;

/**
 * Every enum of a recipe in its recipe spelling, the lower-cased constant name ({@code sum_over_batch}, {@code bf16},
 * {@code adamw}): read case-insensitively through {@link ConfigEnums#parse} (an unknown value names the key and the
 * valid values) and written back the same way, so a recipe written to a run folder reads back unchanged.
 */
final class RecipeEnums {
    private RecipeEnums() {}

    /** The Jackson module. */
    static SimpleModule module() {
        SimpleModule module = new SimpleModule("recipe-enums");
        module.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyEnumDeserializer(
                    DeserializationConfig config,
                    JavaType type,
                    BeanDescription description,
                    JsonDeserializer<?> deserializer) {
                return new SpellingDeserializer(type.getRawClass());
            }
        });
        module.setSerializerModifier(new BeanSerializerModifier() {
            @Override
            public JsonSerializer<?> modifyEnumSerializer(
                    SerializationConfig config,
                    JavaType type,
                    BeanDescription description,
                    JsonSerializer<?> serializer) {
                return new SpellingSerializer();
            }
        });
        return module;
    }

    private static final class SpellingDeserializer extends StdScalarDeserializer<Enum<?>> {
        private static final long serialVersionUID = 1L;
        private final Class<?> type;

        SpellingDeserializer(Class<?> type) {
            super(type);
            this.type = type;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Enum<?> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String key = parser.currentName() == null ? type.getSimpleName() : parser.currentName();
            return ConfigEnums.parse((Class) type, parser.getValueAsString(), key);
        }
    }

    private static final class SpellingSerializer extends StdScalarSerializer<Enum<?>> {
        private static final long serialVersionUID = 1L;

        @SuppressWarnings({"unchecked", "rawtypes"})
        SpellingSerializer() {
            super((Class) Enum.class);
        }

        @Override
        public void serialize(Enum<?> value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(ConfigEnums.lowerCase(value));
        }
    }
}
