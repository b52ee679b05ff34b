/**
 * pytorch-fid's Inception-v3 ({@link dev.vae4j.eval.fid.FidInceptionV3}): the 2048-d pool features behind rFID, with
 * pytorch-fid's weights and key names.
 */
package dev.vae4j.eval.fid;
