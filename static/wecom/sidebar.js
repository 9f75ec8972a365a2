// The chat toolbar: inside WeCom, agentConfig (signature from the server) then getCurExternalContact
// opens the contact's panel; 发送 asks the server (compliance check, share link, records) and hands
// its answer to sendChatMessage. Outside WeCom the server's answer is shown instead.
(function () {
  var config = document.getElementById("agent-config");
  if (config && window.wx && wx.agentConfig) {
    var c = JSON.parse(config.textContent);
    wx.agentConfig({
      corpid: c.corpid, agentid: c.agentid, timestamp: c.timestamp, nonceStr: c.nonceStr,
      signature: c.signature, jsApiList: ["getCurExternalContact", "sendChatMessage"],
      success: function () {
        wx.invoke("getCurExternalContact", {}, function (res) {
          if (res.err_msg === "getCurExternalContact:ok") {
            location.href = "/sidebar/c/" + encodeURIComponent(res.userId) + "/";
          }
        });
      },
    });
  }
  var status = document.getElementById("sidebar-status");
  function say(text) { if (status) status.textContent = text; }
  document.querySelectorAll("form[data-send]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) return;
      event.preventDefault();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            var hits = (answer.body.hits || []).map(function (h) { return h.term; }).join("、");
            say((answer.body.detail || "未能发送") + (hits ? "：" + hits : ""));
            return;
          }
          var payload = answer.body;
          if (window.wx && wx.invoke) {
            wx.invoke("sendChatMessage", payload, function (res) { say(res.err_msg === "sendChatMessage:ok" ? "已发送" : "未发送"); });
          } else {
            say("已发送（演示）：" + (payload.msgtype === "news" ? payload.news.link : payload.text.content));
          }
        });
    });
  });
})();
