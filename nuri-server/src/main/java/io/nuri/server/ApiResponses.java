package io.nuri.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.nuri.api.codec.Json;
import io.nuri.api.model.StoredApp;
import io.nuri.store.Store;
import java.util.NoSuchElementException;

/** What the annotated API services answer alike: JSON bodies, and the 404 for an app that is not stored. */
final class ApiResponses {
    private ApiResponses() {
    }

    /** 200 with the value written by the API's one mapper. */
    static HttpResponse json(Object body) {
        return json(HttpStatus.OK, body);
    }

    static HttpResponse json(HttpStatus status, Object body) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.write(body));
    }

    /** The stored app; otherwise the exception {@link ApiErrors} answers with 404 {@code not_found}. */
    static StoredApp requireApp(Store store, String ns, String name) {
        return store.app(ns, name).orElseThrow(() ->
                new NoSuchElementException("app \"" + name + "\" not found in namespace \"" + ns + "\""));
    }
}
