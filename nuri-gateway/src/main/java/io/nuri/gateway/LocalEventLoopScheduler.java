package io.nuri.gateway;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.EventLoopScheduler;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.ReleasableHolder;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends each upstream request from the event loop that received the client request, the way
 * nginx and Envoy workers keep their own upstream pools: no hand-off between threads, and each
 * loop's connection pool to an instance is used only by that loop. Armeria's default scheduler
 * instead pins an endpoint to one event loop ({@code maxNumEventLoopsPerEndpoint} = 1), which
 * would push every request to a busy instance through a single core. Calls from other threads
 * (tests, WebSocket setup) get a loop round robin.
 */
final class LocalEventLoopScheduler implements EventLoopScheduler {
    private final List<Holder> holders = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    LocalEventLoopScheduler(EventLoopGroup group) {
        for (EventExecutor e : group) {
            holders.add(new Holder((EventLoop) e));
        }
    }

    @Override
    public ReleasableHolder<EventLoop> acquire(SessionProtocol sessionProtocol, EndpointGroup endpointGroup,
            Endpoint endpoint) {
        for (int i = 0, n = holders.size(); i < n; i++) {
            final Holder h = holders.get(i);
            if (h.loop.inEventLoop()) {
                return h;
            }
        }
        return holders.get((next.getAndIncrement() & Integer.MAX_VALUE) % holders.size());
    }

    private record Holder(EventLoop loop) implements ReleasableHolder<EventLoop> {
        @Override
        public EventLoop get() {
            return loop;
        }

        @Override
        public void release() {}
    }
}
