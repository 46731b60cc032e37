package io.esplink.core;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

/**
 * Cuts the byte stream into lines at {@code \n} only (L2) and classifies each into a {@link Frame} (L3-L6). A line
 * longer than {@code maxLineLength} is never buffered whole: the decoder fails with {@link LineTooLongException}
 * as soon as that many bytes arrived without a newline (L7), and discards everything after.
 * <p>
 * On the gateway side the first line is the client ID (L3); bytes after it in the same read are decoded as the
 * stream (they are left in the cumulation buffer).
 */
public class FrameDecoder extends ByteToMessageDecoder {

    /** How much of a bad line is kept for the log. */
    static final int BAD_LINE_KEPT = 64;

    private final int maxLineLength;
    private boolean expectId;
    private boolean failed;

    /**
     * @param maxLineLength the longest line accepted, without its newline
     * @param expectId      true on the gateway side: the first line is the client ID
     */
    public FrameDecoder(int maxLineLength, boolean expectId) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be at least 3, not " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        this.expectId = expectId;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            int start = in.readerIndex();
            int lf = in.forEachByte(ByteProcessor.FIND_LF);
            if (lf < 0) {
                int pending = in.readableBytes();
                if (pending > maxLineLength) {
                    failed = true;
                    in.skipBytes(pending);
                    throw new LineTooLongException(maxLineLength, pending);
                }
                return;
            }
            int len = lf - start;
            if (len > maxLineLength) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new LineTooLongException(maxLineLength, len);
            }
            out.add(classify(in, start, len));
            in.readerIndex(lf + 1);
        }
    }

    private Frame classify(ByteBuf in, int start, int len) {
        if (expectId) {
            expectId = false;
            return Frame.id(in.toString(start, len, StandardCharsets.UTF_8));
        }
        return parse(in, start, len);
    }

    /** Classifies one line (without its newline) by rules L4-L6. */
    public static Frame parse(ByteBuf in, int start, int len) {
        if (len == 0) {
            return Frame.KEEPALIVE;
        }
        if (len >= 2) {
            int hi = Protocol.hexValue(in.getByte(start));
            int lo = Protocol.hexValue(in.getByte(start + 1));
            if (hi >= 0 && lo >= 0) {
                int mid = hi << 4 | lo;
                if (len == 2) {
                    return Frame.ack(mid);
                }
                return Frame.message(mid, in.toString(start + 2, len - 2, StandardCharsets.UTF_8));
            }
        }
        return Frame.bad(in.toString(start, Math.min(len, BAD_LINE_KEPT), StandardCharsets.UTF_8));
    }
}
