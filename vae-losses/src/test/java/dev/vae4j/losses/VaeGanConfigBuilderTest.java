package dev.vae4j.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link VaeGanConfig.Builder}: starts from a configuration, every setter lands, build validates. */
class VaeGanConfigBuilderTest {
    @Test
    void anUntouchedBuilderGivesBackItsStart() {
        assertEquals(VaeGanConfig.ldm(), VaeGanConfig.ldm().toBuilder().build());
        assertEquals(
                VaeGanConfig.diffusersTrainScript(),
                VaeGanConfig.diffusersTrainScript().toBuilder().build());
    }

    @Test
    void everySetterLandsInItsComponent() {
        VaeGanConfig built = VaeGanConfig.ldm().toBuilder()
                .pixelDistance(PixelDistance.L2)
                .perceptualWeight(0.25)
                .perceptualGradient(false)
                .normalization(VaeGanConfig.Normalization.MEAN)
                .logvarInit(0.5)
                .learnLogvar(true)
                .klWeight(1e-4)
                .discWeight(0.75)
                .adaptiveWeight(false)
                .discFactor(0.5)
                .discStart(7)
                .discLoss(DiscriminatorLoss.VANILLA)
                .generatorGan(VaeGanConfig.GeneratorGan.THRESHOLDED_HINGE)
                .hingeMargin(0.2)
                .r1Gamma(10)
                .lecamWeight(0.1)
                .lecamDecay(0.9)
                .build();
        assertEquals(
                new VaeGanConfig(
                        PixelDistance.L2,
                        0.25,
                        false,
                        VaeGanConfig.Normalization.MEAN,
                        0.5,
                        true,
                        1e-4,
                        0.75,
                        false,
                        0.5,
                        7,
                        DiscriminatorLoss.VANILLA,
                        VaeGanConfig.GeneratorGan.THRESHOLDED_HINGE,
                        0.2,
                        10,
                        0.1,
                        0.9),
                built);
    }

    @Test
    void buildValidates() {
        assertThrows(
                IllegalArgumentException.class,
                () -> VaeGanConfig.ldm().toBuilder().lecamDecay(1.0).build());
    }
}
