package io.easyremote.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.RequestHeaders;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.protocol.Strategy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpOptionsTest {
  private static final RequestHeaders NO_HEADERS = RequestHeaders.of(HttpMethod.POST, "/api/add");

  private static HttpOptions query(String query) {
    return HttpOptions.parse(NO_HEADERS, QueryParams.fromQueryString(query));
  }

  @ParameterizedTest
  @CsvSource({"500ms, 500", "5s, 5000", "1m, 60000", "1h, 3600000", "PT2S, 2000", "' 3s ', 3000"})
  void timeout_acceptsTheDocumentedForms(String text, long millis) {
    assertThat(query("timeout=" + text.replace(" ", "%20")).timeout()).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void timeout_fromTheHeader_andTheQueryWins() {
    RequestHeaders header = RequestHeaders.of(HttpMethod.POST, "/api/add", HttpOptions.TIMEOUT_HEADER, "250ms");
    assertThat(HttpOptions.parse(header, QueryParams.of()).timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(HttpOptions.parse(header, QueryParams.of("timeout", "2s")).timeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void noOptions_meanTheGatewayDefaults() {
    HttpOptions options = query("");
    assertThat(options.timeout()).isNull();
    assertThat(options.timeoutOr(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.strategy()).isNull();
    assertThat(options.requirements()).isSameAs(Requirements.NONE);
    assertThat(options.idempotencyKey()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "5", "5x", "ms", "-1s", "0s", "PTxS", "", "9223372036854775807ms", "99999999999999999h", "366d", "PT8785H"})
  void timeout_malformedNotPositiveOrLongerThanAYear_isRejectedNamingTheForms(String text) {
    assertThatThrownBy(() -> query("timeout=" + text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Bad timeout: ");
  }

  @Test
  void strategyRequirementsAndKey_areParsed() {
    HttpOptions options = query("strategy=least-loaded&require=gpu=*&require=region=eu&maxCost=2.5&idempotencyKey=order-42");
    assertThat(options.strategy()).isEqualTo(Strategy.LEAST_LOADED);
    assertThat(options.requirements().labels()).isEqualTo(Map.of("gpu", "*", "region", "eu"));
    assertThat(options.requirements().maxCost()).isEqualTo(2.5);
    assertThat(options.idempotencyKey()).isEqualTo("order-42");
    RequestHeaders header = RequestHeaders.of(HttpMethod.POST, "/api/add", "idempotency-key", "k1");
    assertThat(HttpOptions.parse(header, QueryParams.of()).idempotencyKey()).isEqualTo("k1");
  }

  @Test
  void badOptions_areRejectedWithAMessageNamingThem() {
    assertThatThrownBy(() -> query("strategy=fastest")).hasMessageContaining("Unknown strategy 'fastest'").hasMessageContaining("least_loaded");
    assertThatThrownBy(() -> query("require=gpu")).hasMessageContaining("require must be label=value");
    assertThatThrownBy(() -> query("require==x")).hasMessageContaining("require must be label=value");
    assertThatThrownBy(() -> query("maxCost=cheap")).hasMessageContaining("maxCost must be a number");
    assertThatThrownBy(() -> query("maxCost=-1")).hasMessageContaining("maxCost must be a finite number >= 0");
  }
}
