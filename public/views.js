// views.js: the hovering of bertology's views, in the browser, on the SVG that Go draws (ui/chart), so
// that moving the mouse never waits for Go. It reads the data- attributes the charts write: a head
// view's lines carry data-i (query), data-j (key) and data-w (weight); every cell, line and value of
// the other views carries data-w. A tooltip (#view-tip) shows the value under the mouse.
"use strict";
(() => {
	const tip = document.createElement("div");
	tip.id = "view-tip";
	tip.className = "view-tip";
	tip.hidden = true;
	document.addEventListener("DOMContentLoaded", () => document.body.appendChild(tip));

	const fmt = (w) => Number(w).toFixed(4);
	const tokensOf = (svg) => [...svg.querySelectorAll("text.token[data-side=left]")].map((t) => t.textContent);

	// what the tooltip says of element el in chart svg, or "" for nothing
	function tipText(svg, el) {
		if (el.dataset.tip) return el.dataset.tip;
		if (!("w" in el.dataset)) return "";
		const w = fmt(el.dataset.w);
		if (svg.matches(".head-view")) {
			const toks = tokensOf(svg), g = el.closest("g.head");
			if (!g) return "";
			return `head ${g.dataset.head}: ${toks[el.dataset.i]} → ${toks[el.dataset.j]}: ${w}`;
		}
		const thumb = el.closest("g.thumb");
		if (thumb) return `layer ${thumb.dataset.layer}, head ${thumb.dataset.head}: ${el.dataset.i} → ${el.dataset.j}: ${w}`;
		if (svg.matches(".neuron-view")) {
			const key = el.closest("g.key"), strip = el.closest("g");
			const tok = key ? key.querySelector("text").textContent : "query";
			if (el.matches("text.score")) return `q · k of ${tok}: ${w}`;
			if (el.matches("text.prob")) return `attention to ${tok}: ${w}`;
			const what = {q: "query", k: "key", qk: "q ⊙ k"}[strip.getAttribute("class")] || "";
			return `${tok}, ${what}[${el.dataset.i}]: ${w}`;
		}
		return w;
	}

	// highlight shows token i's attention in a head view: out of it (side "left": its lines, and the
	// right boxes filled with its weights), or into it (side "right").
	function highlight(svg, side, i) {
		const toks = tokensOf(svg);
		const mine = side === "left" ? "i" : "j", other = side === "left" ? "j" : "i";
		const boxSide = side === "left" ? "right" : "left";
		svg.querySelectorAll("rect.box").forEach((b) => { b.setAttribute("fill-opacity", "0"); delete b.dataset.tip; delete b.dataset.w; });
		// a box, and a line while hovered, is as opaque as its weight relative to the strongest of the token's: an input of many
		// tokens spreads the weights thin; the tooltip gives the weight itself
		let top = 0;
		svg.querySelectorAll(`g.head line[data-${mine}="${i}"]`).forEach((l) => { top = Math.max(top, Number(l.dataset.w)); });
		svg.querySelectorAll("g.head").forEach((g) => {
			const n = g.dataset.head;
			g.querySelectorAll("line").forEach((l) => {
				const on = l.dataset[mine] === String(i);
				l.style.display = on ? "" : "none";
				if (!on) return;
				l.style.strokeOpacity = top > 0 ? (Number(l.dataset.w) / top).toFixed(3) : "0";
				const k = l.dataset[other];
				const box = svg.querySelector(`rect.box[data-side=${boxSide}][data-head="${n}"][data-index="${k}"]`);
				if (!box) return;
				box.setAttribute("fill-opacity", (top > 0 ? Number(l.dataset.w) / top : 0).toFixed(3));
				box.dataset.w = l.dataset.w;
				const [q, key] = side === "left" ? [toks[i], toks[k]] : [toks[k], toks[i]];
				box.dataset.tip = `head ${n}: ${q} → ${key}: ${fmt(l.dataset.w)}`;
			});
		});
		svg.querySelectorAll("text.token").forEach((t) => t.classList.toggle("hovered", t.dataset.side === side && t.dataset.index === String(i)));
		const label = svg.querySelector("text.tip");
		if (label) label.textContent = side === "left" ? `What ${toks[i]} looks at; hover a box for a weight.` : `What looks at ${toks[i]}; hover a box for a weight.`;
		svg.dataset.hover = side + ":" + i;
	}

	function unhighlight(svg) {
		if (!svg.dataset.hover) return;
		delete svg.dataset.hover;
		svg.querySelectorAll("g.head line").forEach((l) => { l.style.display = ""; l.style.strokeOpacity = ""; });
		svg.querySelectorAll("rect.box").forEach((b) => { b.setAttribute("fill-opacity", "0"); delete b.dataset.tip; delete b.dataset.w; });
		svg.querySelectorAll("text.token.hovered").forEach((t) => t.classList.remove("hovered"));
	}

	document.addEventListener("mouseover", (e) => {
		const svg = e.target.closest && e.target.closest(".chart-svg svg");
		if (!svg) { tip.hidden = true; return; }
		if (svg.matches(".head-view") && e.target.matches("text.token")) highlight(svg, e.target.dataset.side, e.target.dataset.index);
		const text = tipText(svg, e.target);
		tip.hidden = text === "";
		tip.textContent = text;
	});
	document.addEventListener("mousemove", (e) => {
		if (tip.hidden) return;
		tip.style.left = Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 4) + "px";
		tip.style.top = e.clientY + 14 + "px";
	});
	document.addEventListener("mouseout", (e) => {
		const svg = e.target.closest && e.target.closest(".chart-svg svg");
		if (svg && !(e.relatedTarget && svg.contains(e.relatedTarget))) {
			tip.hidden = true;
			if (svg.matches(".head-view")) unhighlight(svg);
		}
	});
})();
