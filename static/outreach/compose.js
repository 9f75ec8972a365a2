// Live compliance highlighting: the text is checked by the same API the server applies on submit,
// a moment after typing stops. Without this script the 预览 button gives the same answer.
(function () {
  var box = document.querySelector("textarea[data-check]");
  var out = document.getElementById("live-check");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!box || !out || !csrf || !window.fetch) return;
  var timer = null;
  function show(answer) {
    out.textContent = "";
    if (!answer.hits || !answer.hits.length) { out.textContent = "内容检查通过"; return; }
    var text = box.value, last = 0, p = document.createElement("p");
    answer.hits.forEach(function (hit) {
      p.appendChild(document.createTextNode(text.slice(last, hit.start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(hit.start, hit.end);
      mark.title = hit.severity === "block" ? "禁用词" : "提示词";
      p.appendChild(mark);
      last = hit.end;
    });
    p.appendChild(document.createTextNode(text.slice(last)));
    out.appendChild(p);
    var note = document.createElement("p");
    note.textContent = answer.allowed ? "含提示词，可发送" : "含禁用词，不能群发";
    out.appendChild(note);
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch("/api/v1/compliance/check/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.value },
        body: JSON.stringify({ text: box.value }),
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (a) { if (a) show(a); });
    }, 400);
  });
})();
