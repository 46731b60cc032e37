package io.esplink.core;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
    private final int maxIdLineLength;
    private boolean expectId;
    private boolean failed;

    /**
     * @param maxLineLength the longest line accepted, without its newline
     * @param expectId      true on the gateway side: the first line is the client ID
     */
    public FrameDecoder(int maxLineLength, boolean expectId) {
        this(maxLineLength, expectId, maxLineLength);
    }

    /**
     * @param maxIdLineLength the longest first line accepted when {@code expectId}: an ID line is short, so a
     *                        connection is not allowed to make the gateway buffer a whole message's worth before it
     *                        even said who it is
     */
    public FrameDecoder(int maxLineLength, boolean expectId, int maxIdLineLength) {
        if (maxLineLength < 3) {
            throw new IllegalArgumentException("maxLineLength must be at least 3, not " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        this.maxIdLineLength = Math.min(maxIdLineLength, maxLineLength);
        this.expectId = expectId;
    }

    /**
     * A read that is one keepalive and nothing else, with no partial line before it, is the most common read of
     * all (an idle fleet sends nothing else): it becomes {@link Frame#KEEPALIVE} without passing through the
     * cumulation, whose field would otherwise point at each read's buffer (a write into a long-lived object that
     * the garbage collector's card table must track, once per read and connection). Anything else, and every read
     * while reading is paused, takes the general way.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf) {
            ByteBuf in = (ByteBuf) msg;
            if (in.readableBytes() == 1 && in.getByte(in.readerIndex()) == Protocol.LF && !expectId && !failed
                && !internalBuffer().isReadable() && ctx.channel().config().isAutoRead()) {
                in.release();
                ctx.fireChannelRead(Frame.KEEPALIVE);
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            int start = in.readerIndex();
            int limit = expectId ? maxIdLineLength : maxLineLength;
            int lf = in.forEachByte(ByteProcessor.FIND_LF);
            if (lf < 0) {
                int pending = in.readableBytes();
                if (pending > limit) {
                    failed = true;
                    in.skipBytes(pending);
                    throw new LineTooLongException(limit, pending);
                }
                return;
            }
            int len = lf - start;
            if (len > limit) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new LineTooLongException(limit, len);
            }
            out.add(classify(in, start, len));
            in.readerIndex(lf + 1);
        }
    }

    private Frame classify(ByteBuf in, int start, int len) {
        if (expectId) {
            expectId = false;
            try {
                // strictly: two IDs that differ in invalid bytes must not both become one with U+FFFD in it
                return Frame.id(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in.nioBuffer(start, len)).toString());
            } catch (CharacterCodingException e) {
                return Frame.ID_NOT_UTF8;
            }
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
