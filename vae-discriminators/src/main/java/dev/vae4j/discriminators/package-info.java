/**
 * GAN discriminators for latent-autoencoder training, each a {@link dev.vae4j.core.model.Discriminator} over images (N,
 * C, H, W) in [-1, 1]: {@link dev.vae4j.discriminators.PatchGanDiscriminator} (taming NLayerDiscriminator),
 * {@link dev.vae4j.discriminators.VggDiscriminator} (cloneofsimo/vqgan-training v0.2),
 * {@link dev.vae4j.discriminators.VggPyramidDiscriminator} (cloneofsimo/vqgan-training HEAD),
 * {@link dev.vae4j.discriminators.UNetGanDiscriminator} (global + per-pixel heads) and
 * {@link dev.vae4j.discriminators.GigaGanDiscriminator} (multi-scale heads). Weights use the references' state-dict
 * keys; {@link dev.vae4j.discriminators.DiscriminatorPresets} names the presets and
 * {@link dev.vae4j.discriminators.MacCounter} reports their size.
 *
 * <p><b>Measured against open-LiteVAE's table (256x256, MACs = convs + linears + attention products).</b>
 *
 * <table>
 *   <caption>parameters and MACs</caption>
 *   <tr><th>preset</th><th>parameters</th><th>table</th><th>GMACs</th><th>table</th></tr>
 *   <tr><td>patchgan</td><td>2,765,633</td><td>2.77 M</td><td>3.147</td><td>3.15</td></tr>
 *   <tr><td>unetgan-s</td><td>2,757,075</td><td>2.76 M</td><td>2.279</td><td>2.31</td></tr>
 *   <tr><td>unetgan-m</td><td>11,020,707</td><td>11.02 M</td><td>9.057</td><td>9.13</td></tr>
 *   <tr><td>unetgan-l</td><td>44,067,651</td><td>44.07 M</td><td>36.108</td><td>36.34</td></tr>
 *   <tr><td>gigagan</td><td>14,351,182</td><td>14.38 M</td><td>2.764</td><td>3.23</td></tr>
 *   <tr><td>vgg</td><td>1,735,744</td><td>-</td><td>12.194</td><td>-</td></tr>
 * </table>
 *
 * UNetGAN's table MACs are 0.6-1.3% above ours (the table's tool presumably also counts pooling or upsampling).
 * GigaGAN's published code with one extra conv per level ("2 blocks" counting the stride-2 conv) gives 14.35 M (0.2%
 * from the table) but 2.76 GMACs; no reading of the code reproduces the table's 3.23 G (two extra convs give 16.3 M /
 * 3.47 G).
 */
package dev.vae4j.discriminators;
