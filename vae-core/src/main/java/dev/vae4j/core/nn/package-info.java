/**
 * Building blocks of the autoencoders, registered under diffusers' names: resnet blocks, up/down sampling, single-head,
 * multi-head and linear attention, mid and level blocks, and the VGG16 feature trunk of LPIPS and VGG discriminators.
 */
package dev.vae4j.core.nn;
