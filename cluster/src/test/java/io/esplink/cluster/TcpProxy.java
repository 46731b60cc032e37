package io.esplink.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP load balancer on loopback for tests: each new connection goes to the first of its backend ports that is not
 * marked down and accepts it (as nodes behind a DNS name or a TCP load balancer reach whichever gateway answers).
 * {@link #down} cuts every connection to a backend at once and sends no more to it, as a crash of that machine or a
 * cut link would look to the other side.
 */
final class TcpProxy implements AutoCloseable {

    private final String name;
    private final List<Integer> backends;
    private final Set<Integer> down = ConcurrentHashMap.newKeySet();
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final ExecutorService threads;
    private volatile boolean closed;

    private record Link(int backend, Socket client, Socket upstream) {
        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    TcpProxy(String name, List<Integer> backends) throws IOException {
        this.name = name;
        this.backends = List.copyOf(backends);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Cuts the connections to {@code backend} and sends new ones elsewhere (or refuses them). */
    void down(int backend) {
        down.add(backend);
        for (Link l : links) {
            if (l.backend() == backend) {
                l.close();
                links.remove(l);
            }
        }
    }

    void up(int backend) {
        down.remove(backend);
    }

    /** Cuts every connection and takes no more (as the crash of the machine behind it). */
    void downAll() {
        backends.forEach(this::down);
    }

    void upAll() {
        down.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        for (int backend : backends) {
            if (down.contains(backend)) {
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backend), 2000);
                upstream.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(upstream);
                continue;
            }
            Link link = new Link(backend, client, upstream);
            links.add(link);
            if (down.contains(backend)) { // went down meanwhile
                link.close();
                links.remove(link);
                return;
            }
            threads.execute(() -> pump(link, client, upstream));
            threads.execute(() -> pump(link, upstream, client));
            return;
        }
        closeQuietly(client);
    }

    private void pump(Link link, Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        } finally {
            link.close();
            links.remove(link);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        links.forEach(Link::close);
        threads.shutdownNow();
    }

    @Override
    public String toString() {
        return name + " :" + port() + " -> " + backends + " (down " + down + ")";
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing
        }
    }
}
